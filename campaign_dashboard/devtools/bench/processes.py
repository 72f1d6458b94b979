"""Child processes for benchmarks: started in their own process group, always stopped (also on
Ctrl-C, SIGTERM or a crash of the benchmark), and measured (peak RSS, CPU seconds) with psutil."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from campaign_dashboard.cli.supervisor import ROOT, die_with_parent, signal_group


class Children:
    """The processes a benchmark started, by name. Use as a context manager: leaving the block
    (normally, by an exception or by Ctrl-C) stops every one of them and what they started."""

    def __init__(self, log_dir: Path, *, stop_timeout: float = 10) -> None:
        self.log_dir = log_dir
        self.stop_timeout = stop_timeout
        self.procs: dict[str, subprocess.Popen] = {}

    def __enter__(self) -> Children:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop_all()

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        """Start `argv` with stdout and stderr in `<log_dir>/<name>.log`."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(
                argv,
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        self.procs[name] = proc
        return proc

    def start_cli(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        """`campaign-dashboard <args>` with this interpreter."""
        return self.start(name, [sys.executable, "-m", "campaign_dashboard", *args], env)

    def start_server(
        self,
        name: str,
        argv_for_port: Callable[[int], list[str]],
        env: dict[str, str],
        *,
        timeout: float = 30,
        attempts: int = 5,
    ) -> int:
        """Start a server on a free port and return the port once THIS process listens on it (a
        free port can be taken by someone else between choosing and binding it: then retry)."""
        for _ in range(attempts):
            port = free_port()
            proc = self.start(name, argv_for_port(port), env)
            if listens(proc, port, timeout):
                return port
            self.stop(name)
        raise RuntimeError(f"{name} did not start listening after {attempts} attempts; see {self.log(name)}")

    def log(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def check_alive(self) -> None:
        """Raise if a child died: a benchmark must not wait for work nobody does."""
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with code {proc.returncode}; see {self.log(name)}")

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is not None:
            _stop([proc], self.stop_timeout)

    def stop_all(self) -> None:
        """SIGTERM every group, wait, then SIGKILL what is left."""
        procs = list(self.procs.values())
        self.procs.clear()
        _stop(procs, self.stop_timeout)


def _stop(procs: list[subprocess.Popen], timeout: float) -> None:
    for proc in procs:
        signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in procs:
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    for proc in procs:
        signal_group(proc, signal.SIGKILL)
        proc.wait()


class ResourceSampler:
    """Samples processes (and their descendants) from a thread while the block runs: the peak of
    their summed RSS, and the CPU seconds they used inside the block (the last value read while
    each was alive, minus what it had used when the block began)."""

    def __init__(self, pids: list[int], *, interval: float = 0.25) -> None:
        self.pids = pids
        self.interval = interval
        self.peak_rss = 0
        self._cpu: dict[int, float] = {}
        self._cpu_before: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def __enter__(self) -> ResourceSampler:
        self.sample()
        self._cpu_before = dict(self._cpu)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Take a last sample and stop; call it before the processes are stopped."""
        if not self._stop.is_set():
            self._stop.set()
            self._thread.join()
            self.sample()

    @property
    def peak_rss_mb(self) -> float:
        return round(self.peak_rss / 2**20, 1)

    @property
    def cpu_s(self) -> float:
        return round(sum(cpu - self._cpu_before.get(pid, 0.0) for pid, cpu in self._cpu.items()), 2)

    def sample(self) -> None:
        import psutil  # the `test` extra: only the benchmarks and tests measure processes

        total = 0
        for pid in self.pids:
            try:
                root = psutil.Process(pid)
                family = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            for proc in family:
                try:
                    with proc.oneshot():
                        total += proc.memory_info().rss
                        cpu = proc.cpu_times()
                        self._cpu[proc.pid] = cpu.user + cpu.system
                except psutil.Error:
                    pass
        self.peak_rss = max(self.peak_rss, total)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block SIGTERM raises KeyboardInterrupt like Ctrl-C, so `finally` and context
    managers clean up either way."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def emulator_argv(
    port: int, *, webhook_url: str | None = None, resend_rps: float = 0, twilio_mps: float = 0
) -> list[str]:
    """The command that runs the provider emulator on `port`: no provider limits unless given
    (0 = none), and no webhooks without `webhook_url`."""
    webhooks = ["--webhook-url", webhook_url] if webhook_url else ["--no-webhooks"]
    limits = ["--resend-rps", str(resend_rps), "--twilio-mps", str(twilio_mps)]
    return [sys.executable, "-m", "campaign_dashboard", "emulator", "--port", str(port), *webhooks, *limits]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, *, timeout: float = 30) -> None:
    """Until `url` answers 200."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.1)


def wait_for_line(path: Path, text: str, *, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Until the log file at `path` contains `text` (how a worker says it is consuming)."""
    deadline = time.monotonic() + timeout
    while text not in (path.read_text(errors="replace") if path.exists() else ""):
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with code {proc.returncode} before {text!r}; see {path}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not show {text!r} within {timeout:.0f} s")
        time.sleep(0.1)


def listens(proc: subprocess.Popen, port: int, timeout: float) -> bool:
    """Whether `proc` itself listens on `port` within `timeout` seconds (a free port can be taken
    by someone else between choosing and binding it)."""
    import psutil  # the `test` extra: only the benchmarks and tests use it

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            connections = psutil.Process(proc.pid).net_connections(kind="tcp")
        except psutil.Error:
            return False
        if any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in connections):
            return True
        time.sleep(0.1)
    return False


def child_environment(**overrides: str | None) -> dict[str, str]:
    """This process's environment with `overrides` applied (None removes a variable)."""
    env = dict(os.environ)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def postgres_server_pids() -> list[int]:
    """The local PostgreSQL servers' main processes (their backends are descendants), so a
    benchmark can count the database's own CPU beside the app's; empty when none runs here."""
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "name"]):
        try:
            if proc.info["name"] == "postgres" and (proc.parent() is None or proc.parent().name() != "postgres"):
                found.append(proc.info["pid"])
        except psutil.Error:
            continue
    return found
