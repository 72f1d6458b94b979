"""Tools for people working on the product, not the product itself: demo data (`seed`) and the
benchmarks (`bench`). Nothing in the running app imports them.
"""
