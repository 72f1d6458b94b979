"""Plain helpers shared by test modules (functions, classes, constants; no fixtures).

Fixtures live in `tests/conftest.py`, a folder's `conftest.py` or `tests/fixtures/` (pytest plugins);
test modules import helpers from here, never from another test module or a conftest.
"""
