"""Real processes the tests start: the provider emulator, `campaign-dashboard worker`s (killable
with SIGKILL) and the API under uvicorn; `free_port` and `wait_http` come from devtools.bench."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import httpx

from campaign_dashboard.devtools.bench.processes import emulator_argv, free_port, listens, wait_http

ROOT = Path(__file__).resolve().parents[2]


def healthy(url: str) -> bool:
    """The URL answers 200 now."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start_emulator(env: dict, attempts: int = 5, webhook_url: str | None = None) -> tuple[subprocess.Popen, str]:
    """Start an emulator and make sure the port answering is OURS: a free port can be taken by
    another test run between choosing it and binding it, and then a stranger would answer.
    Without `webhook_url` it sends no webhooks."""
    for _ in range(attempts):
        port = free_port()
        proc = subprocess.Popen(
            emulator_argv(port, webhook_url=webhook_url),  # tests that need provider limits set them
            cwd=ROOT,
            env={**os.environ, **env},
            stderr=subprocess.DEVNULL,
        )
        if listens(proc, port, timeout=20):
            url = f"http://127.0.0.1:{port}"
            wait_http(f"{url}/_emulator/stats")
            return proc, url
        proc.kill()
        proc.wait(10)
    raise RuntimeError(f"the emulator did not start after {attempts} attempts")


def emulator_stats(url: str) -> dict:
    return httpx.get(f"{url}/_emulator/stats", timeout=10).json()


def configure_emulator(url: str, **config) -> None:
    httpx.post(f"{url}/_emulator/config", json=config, timeout=10).raise_for_status()


class Workers:
    """Start, SIGKILL and restart real worker processes."""

    def __init__(self, env: dict) -> None:
        self.env = env
        self.procs: list[subprocess.Popen] = []
        self.started = 0

    def start(self, count: int = 1, threads: int = 4) -> None:
        log_dir = Path(self.env["DATA_DIR"])
        log_dir.mkdir(parents=True, exist_ok=True)
        for _ in range(count):
            self.started += 1
            log = open(log_dir / f"worker-{self.started}.log", "wb")  # noqa: SIM115 - lives with the process
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "campaign_dashboard", "worker", "--workers", str(threads)],
                    cwd=ROOT,
                    env={**os.environ, **self.env},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )

    def kill_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self.procs.clear()

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()


class WebApp:
    """The API in its own process, configured like the workers; it can be SIGKILLed and started
    again on the same port (the emulator keeps posting its webhooks there)."""

    def __init__(self, env: dict, tmp_path) -> None:
        self.env, self.log_path = env, tmp_path / "web.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "campaign_dashboard.api:app",
                    "--port",
                    str(self.port),
                    "--no-access-log",
                ],
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_http(f"{self.url}/api/health", timeout=60)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(15)
