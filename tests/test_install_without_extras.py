"""A plain `pip install campaign-dashboard` (no `test` extra) runs the CLI: `--help` and `migrate`
must not import what only the benchmarks and tests need (psutil, Playwright), and the migrations
ship with the package. The package is installed, not editable, into a fresh venv from a copy of the
source, so nothing of the checkout (or of the test environment) is on its path. Pip's cache is
reused: after the first run this takes well under a minute."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from campaign_dashboard.cli import ROOT

SOURCE = ["pyproject.toml", "README.md", "alembic.ini", "alembic", "campaign_dashboard"]


def _run(argv: list[str], *, env: dict[str, str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
def test_the_cli_runs_after_a_plain_install(tmp_path):
    source = tmp_path / "source"
    for name in SOURCE:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    venv = tmp_path / "venv"
    # No pip inside the venv: this interpreter's pip installs into it (faster than ensurepip).
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], env=env, cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-compile", str(source)],
        env=env,
        cwd=tmp_path,
        timeout=900,
    )
    no_psutil = "import importlib.util, sys; sys.exit(importlib.util.find_spec('psutil') is not None)"
    _run([str(python), "-c", no_psutil], env=env, cwd=tmp_path)  # really without the test extra

    cli = str(venv / "bin" / "campaign-dashboard")
    assert "migrate" in _run([cli, "--help"], env=env, cwd=tmp_path).stdout
    database = tmp_path / "data" / "app.db"
    database.parent.mkdir()
    env.update(DATABASE_URL=f"sqlite:///{database}", DATA_DIR=str(database.parent))
    assert "Database is up to date" in _run([cli, "migrate"], env=env, cwd=tmp_path).stdout
    assert database.exists()
