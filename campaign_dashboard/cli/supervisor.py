"""Running child processes together: `Supervisor` starts them (some once another is ready), prints
the URL once all are ready, and stops them all together. `up` and `web` run under it; the
benchmarks reuse its process-group helpers."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent.parent  # the project: rxconfig.py, alembic/, .tools/; children run here


class Process(NamedTuple):
    """A child process of `up`. `ready_url` answering 200 means it is serving; `after` names a
    process whose `ready_url` must answer before this one starts."""

    name: str
    argv: list[str]
    env: dict[str, str]
    ready_url: str | None = None
    after: str | None = None


class Supervisor:
    """Start every process (those with `after` once that one is ready), print the URL once all
    are ready, and stop them all together.

    Each child gets its own process group, so stopping it also stops whatever it started
    (Reflex runs a server with workers). Ctrl-C or SIGTERM stops everything; so does any child
    dying, which makes `up` exit non-zero with a message saying which one.
    """

    def __init__(self, processes: list[Process], *, url: str, stop_timeout: float = 15) -> None:
        names = {p.name for p in processes}
        unknown = [p.after for p in processes if p.after is not None and p.after not in names]
        if unknown:
            raise ValueError(f"processes wait for unknown processes: {unknown}")
        self.processes = processes
        self.url = url
        self.stop_timeout = stop_timeout
        self.children: dict[str, subprocess.Popen] = {}
        self._signal: int | None = None

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for proc in self.processes:
                if proc.after is None:
                    self._start(proc)
            return self._watch()
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _start(self, proc: Process) -> None:
        print(f"[up] starting {proc.name}: {' '.join(proc.argv)}", flush=True)
        self.children[proc.name] = subprocess.Popen(
            proc.argv, env=proc.env, cwd=ROOT, start_new_session=True, preexec_fn=die_with_parent
        )

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self._signal = signum

    def _watch(self) -> int:
        pending = [p for p in self.processes if p.ready_url]
        waiting = [p for p in self.processes if p.after is not None]
        announced = not pending and not waiting
        while self._signal is None:
            for name, child in self.children.items():
                code = child.poll()
                if code is not None:
                    print(f"[up] {name} exited with code {code}: stopping the others.", file=sys.stderr, flush=True)
                    return code or 1
            pending = [p for p in pending if p.name not in self.children or not answers(p.ready_url)]
            ready = {p.name for p in self.processes if p.name in self.children and p not in pending}
            for proc in [p for p in waiting if p.after in ready]:
                waiting.remove(proc)
                self._start(proc)
            if not announced and not pending and not waiting:
                announced = True
                print(f"\ncampaign_dashboard is running at {self.url}  (Ctrl-C to stop)\n", flush=True)
            time.sleep(0.5)
        print(f"\n[up] {signal.Signals(self._signal).name} received: stopping.", flush=True)
        return 0

    def stop(self) -> None:
        """SIGTERM every child's group, wait, then SIGKILL what is left (also of exited children)."""
        for child in self.children.values():
            signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for child in self.children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
        for child in self.children.values():
            signal_group(child, signal.SIGKILL)
            child.wait()
        self.children.clear()


def signal_group(child: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, sig)  # start_new_session=True: the group id is the child's pid


def die_with_parent() -> None:
    """Linux: the child gets SIGTERM if `up` itself is killed hard, so nothing is left behind."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def answers(url: str | None) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
