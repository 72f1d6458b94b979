"""The `campaign-dashboard` command (also `python -m campaign_dashboard`).

Adding a subcommand is one decorated function:

    @command("worker", "Run the Huey consumer.", arg("--threads", type=int, default=4))
    def worker(args: argparse.Namespace) -> int: ...

A name with a space ("token create") becomes a nested subcommand. `up` runs the processes listed
by `up_processes()` under a small supervisor: add a `Process` there to run it with the app.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from campaign_dashboard.config import Settings, get_settings
from campaign_dashboard.models import Role
from campaign_dashboard.services.errors import DomainError

ROOT = Path(__file__).resolve().parent.parent  # the project: rxconfig.py, alembic/, .tools/
ROLES = [r.value for r in Role]
DEFAULT_NPM_REGISTRY = "https://registry.npmjs.org/"

Handler = Callable[[argparse.Namespace], int | None]


class _Command(NamedTuple):
    name: str
    help: str
    arguments: tuple[tuple[tuple[str, ...], dict[str, Any]], ...]
    handler: Handler


_COMMANDS: list[_Command] = []
# Modules that register more subcommands with @command; imported when the parser is built.
COMMAND_MODULES = (
    "campaign_dashboard.cli_sending",
    "campaign_dashboard.devtools.bench.send",
    "campaign_dashboard.devtools.bench.pages",
    "campaign_dashboard.devtools.bench.webhooks",
    "campaign_dashboard.devtools.bench.csv_import",
)


def arg(*flags: str, **kwargs: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    """One argparse argument, as `parser.add_argument(*flags, **kwargs)` would take it."""
    return flags, kwargs


def command(name: str, help: str, *arguments: tuple[tuple[str, ...], dict[str, Any]]):
    """Register the decorated function as the subcommand `name` ("group sub" nests)."""

    def decorator(handler: Handler) -> Handler:
        _COMMANDS.append(_Command(name, help, arguments, handler))
        return handler

    return decorator


def build_parser() -> argparse.ArgumentParser:
    for module in COMMAND_MODULES:
        importlib.import_module(module)
    parser = argparse.ArgumentParser(
        prog="campaign-dashboard", description="Self-hosted email and SMS campaign manager."
    )
    root = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction] = {}
    for cmd in _COMMANDS:
        *group, leaf = cmd.name.split(" ")
        subparsers = root
        if group:
            key = group[0]
            if key not in groups:
                group_parser = root.add_parser(key, help=f"{key} commands")
                groups[key] = group_parser.add_subparsers(dest=f"{key}_command", required=True, metavar="COMMAND")
            subparsers = groups[key]
        sub = subparsers.add_parser(leaf, help=cmd.help, description=cmd.help)
        for flags, kwargs in cmd.arguments:
            sub.add_argument(*flags, **kwargs)
        sub.set_defaults(handler=cmd.handler)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args) or 0
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1


# --- database commands ----------------------------------------------------------------------


def _migrate(settings: Settings) -> None:
    from campaign_dashboard.migrations import upgrade

    upgrade(settings.database_url)


def _seed(settings: Settings, *, contacts: int = 3000) -> None:
    from campaign_dashboard.db import session_scope
    from campaign_dashboard.devtools.seed import seed_demo

    started = time.monotonic()
    with session_scope() as session:
        summary = seed_demo(session=session, contacts=contacts)
    if summary is None:
        print("The database already has data: demo data not added.")
        return
    print(
        f"Demo data added in {time.monotonic() - started:.1f} s: {summary.contacts:,} contacts, "
        f"{summary.segments} segments, {summary.templates} templates, {summary.email_campaigns} email "
        f"and {summary.sms_campaigns} SMS campaigns, {summary.recipients:,} recipient rows."
    )
    if summary.admin_email:
        print(
            f"Development login: {summary.admin_email} / password {summary.admin_password!r} "
            "(created only when ENV=development)."
        )


@command("migrate", "Apply the database migrations (safe to run at every start).")
def migrate_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    _migrate(settings)
    print(f"Database is up to date ({_safe_url(settings.database_url)}).")
    return 0


@command(
    "seed-demo",
    "Migrate, then fill an EMPTY database with demo contacts, segments and campaigns.",
    arg("--contacts", type=int, default=3000, help="how many demo contacts (default 3000)"),
)
def seed_demo_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    _migrate(settings)
    _seed(settings, contacts=args.contacts)
    return 0


@command(
    "token create",
    "Create an API token; it is printed once on stdout and stored only hashed.",
    arg("--name", required=True, help="what the token is for"),
    arg("--role", required=True, choices=ROLES),
    arg("--expires-days", type=int, help="refuse the token after this many days (default: until revoked)"),
)
def token_create_command(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from campaign_dashboard.db import session_scope
    from campaign_dashboard.services.accounts.tokens import create_token

    _migrate(get_settings())
    expires_in = timedelta(days=args.expires_days) if args.expires_days is not None else None
    with session_scope() as session:
        row, plain = create_token(session=session, name=args.name, role=args.role, expires_in=expires_in)
    until = f", expires {_when(row.expires_at)}" if row.expires_at else ""
    print(
        f"Created API token {row.id} {row.name!r} ({row.role}{until}). Store it now: it is not shown again.",
        file=sys.stderr,
    )
    print(plain)
    return 0


@command("token list", "List API tokens (never the secret): id, prefix, role, last use, expiry, state.")
def token_list_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.db import session_scope
    from campaign_dashboard.services.accounts.tokens import is_live, list_tokens

    _migrate(get_settings())
    with session_scope() as session:
        rows = list_tokens(session=session)
    print(
        f"{'ID':>5}  {'PREFIX':<10}  {'ROLE':<8}  {'STATE':<7}  {'CREATED':<16}  {'LAST USED':<16}  "
        f"{'EXPIRES':<16}  NAME"
    )
    for t in rows:
        state = "live" if is_live(t) else ("revoked" if t.revoked_at else "expired")
        print(
            f"{t.id:>5}  {t.prefix:<10}  {t.role:<8}  {state:<7}  {_when(t.created_at):<16}  "
            f"{_when(t.last_used_at):<16}  {_when(t.expires_at):<16}  {t.name}"
        )
    return 0


@command(
    "token revoke",
    "Revoke an API token for good (by the id `token list` shows).",
    arg("token_id", type=int, help="the token's id"),
)
def token_revoke_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.db import session_scope
    from campaign_dashboard.services.accounts.tokens import revoke_token

    _migrate(get_settings())
    with session_scope() as session:
        row = revoke_token(session=session, token_id=args.token_id)
    print(f"Revoked API token {row.id} {row.name!r} ({row.role}).")
    return 0


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


@command(
    "user create",
    "Create a dashboard user (prompts for the password unless --password is given).",
    arg("--email", required=True),
    arg("--name", default=""),
    arg("--role", required=True, choices=ROLES),
    arg("--password", help="omit to be prompted (keeps it out of your shell history)"),
)
def user_create_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.db import session_scope
    from campaign_dashboard.services.accounts.users import create_user

    password = args.password
    if password is None:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            print("error: the passwords differ.", file=sys.stderr)
            return 1
    _migrate(get_settings())
    with session_scope() as session:
        user = create_user(
            session=session, email=args.email, name=args.name or args.email, password=password, role=args.role
        )
    print(f"Created user {user.email} ({user.role}).")
    return 0


# --- up: the app and its helper processes under one supervisor -------------------------------


class Process(NamedTuple):
    """A child process of `up`. `ready_url` answering 200 means it is serving; `after` names a
    process whose `ready_url` must answer before this one starts."""

    name: str
    argv: list[str]
    env: dict[str, str]
    ready_url: str | None = None
    after: str | None = None


def child_env(settings: Settings) -> dict[str, str]:
    """The environment every child gets: absolute data paths and the offline Reflex toolchain."""
    env = dict(os.environ)
    env.update(
        DATA_DIR=str(settings.data_dir),
        DATABASE_URL=settings.database_url,
        ENV=settings.env,
        PUBLIC_BASE_URL=settings.public_base_url,
        PYTHONUNBUFFERED="1",
        # Reflex builds its frontend with bun from the npm registry (see SETUP-NOTES): the bun in
        # .tools/ comes first on PATH, and Reflex keeps its own files inside the project.
        PATH=os.pathsep.join([str(ROOT / ".tools" / "node_modules" / ".bin"), env.get("PATH", "")]),
        REFLEX_USE_SYSTEM_BUN="1",
        REFLEX_DIR=env.get("REFLEX_DIR") or str(ROOT / ".reflex"),
        NPM_CONFIG_REGISTRY=env.get("NPM_CONFIG_REGISTRY") or _npm_registry(),
    )
    return env


def up_processes(settings: Settings, *, host: str = "127.0.0.1", port: int | None = None) -> list[Process]:
    """What `up` runs: the provider emulator (when no real provider keys are set), the web app and,
    once the web app answers, one Huey worker. More workers can run anywhere with
    `campaign-dashboard worker`.

    The web app is Reflex in prod mode on ONE port (frontend, `/api`, webhooks, `/_event`): one URL
    to open and to give providers, no file watcher restarting the backend while code is edited,
    and the same mode as a deployment. It rebuilds the frontend at each start (5-10 s).
    """
    port = port or settings.backend_port
    env = child_env(settings)
    web = web_process(env, host=host, port=port)
    # The worker starts once the web app answers: a campaign left "sending" resumes at once, and
    # the emulator's webhooks for it would be refused while Reflex is still building its frontend.
    worker = _cli_process("worker", ["worker", "--workers", "4"], env)._replace(after="web")
    processes = [web, worker]
    if settings.uses_email_emulator or settings.uses_sms_emulator:
        webhook_url = settings.public_base_url
        emulator = _cli_process("emulator", ["emulator", "--webhook-url", webhook_url], env)
        processes.insert(0, emulator._replace(ready_url=f"{settings.emulator_url}/_emulator/health"))
    return processes


def web_process(env: dict[str, str], *, host: str, port: int) -> Process:
    """The web app: Reflex in prod mode serving frontend, API, webhooks and `/_event` on one port."""
    return Process(
        name="web",
        argv=[
            sys.executable,
            "-m",
            "reflex",
            "run",
            "--env",
            "prod",
            "--backend-host",
            host,
            "--backend-port",
            str(port),
            "--frontend-port",
            str(port),
        ],
        env=env,
        ready_url=f"http://127.0.0.1:{port}/api/health",
    )


@command(
    "web",
    "Run only the web app (dashboard, API, webhooks): what each web replica of a deployment runs. "
    "No emulator, worker or demo data; migrates first unless --no-migrate.",
    arg("--host", default="0.0.0.0", help="interface to listen on (default every one)"),
    arg("--port", type=int, help="the app's port (default BACKEND_PORT, 8000)"),
    arg("--no-migrate", action="store_true", help="leave migrations to a separate `migrate` step"),
)
def web_command(args: argparse.Namespace) -> int:
    settings = _absolute(get_settings())
    port = args.port or settings.backend_port
    if not _bun_available():
        print("error: bun not found: the web app builds its frontend with it (see deploy/Dockerfile).", file=sys.stderr)
        return 1
    if not args.no_migrate:
        _migrate(settings)
    proc = web_process(child_env(settings), host=args.host, port=port)
    return Supervisor([proc], url=f"http://{args.host}:{port}/").run()


def _cli_process(name: str, args: list[str], env: dict[str, str]) -> Process:
    return Process(name=name, argv=[sys.executable, "-m", "campaign_dashboard", *args], env=env)


@command(
    "up",
    "Migrate, seed demo data into an empty database, and run the app in the foreground.",
    arg("--host", default="127.0.0.1", help="interface to listen on (0.0.0.0 for every one)"),
    arg("--port", type=int, help="the app's port (default BACKEND_PORT, 8000)"),
    arg("--no-seed", action="store_true", help="do not add demo data to an empty database"),
)
def up_command(args: argparse.Namespace) -> int:
    settings = _absolute(get_settings())
    port = args.port or settings.backend_port
    url_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    if "public_base_url" not in settings.model_fields_set:
        # links in messages and the emulator's webhooks must reach this very app
        settings = settings.model_copy(update={"public_base_url": f"http://{url_host}:{port}"})
    os.environ.update(
        DATA_DIR=str(settings.data_dir),
        DATABASE_URL=settings.database_url,
        PUBLIC_BASE_URL=settings.public_base_url,
    )
    get_settings.cache_clear()
    if not _bun_available():
        print(
            "error: bun not found. Run `make run`, or install it from the npm registry:\n"
            "  npm install --prefix .tools --no-fund --no-audit bun@1.4.4",
            file=sys.stderr,
        )
        return 1
    _migrate(settings)
    if not args.no_seed:
        _seed(settings)
    processes = up_processes(settings, host=args.host, port=port)
    return Supervisor(processes, url=f"http://{url_host}:{port}/").run()


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
            proc.argv, env=proc.env, cwd=ROOT, start_new_session=True, preexec_fn=_die_with_parent
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
            pending = [p for p in pending if p.name not in self.children or not _answers(p.ready_url)]
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
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for child in self.children.values():
            _signal_group(child, signal.SIGKILL)
            child.wait()
        self.children.clear()


def _signal_group(child: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(child.pid, sig)  # start_new_session=True: the group id is the child's pid
    except (ProcessLookupError, PermissionError):
        pass


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if `up` itself is killed hard, so nothing is left behind."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _answers(url: str | None) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _bun_available() -> bool:
    return (ROOT / ".tools" / "node_modules" / ".bin" / "bun").exists() or shutil.which("bun") is not None


def _npm_registry() -> str:
    try:
        out = subprocess.run(
            ["npm", "config", "get", "registry"], capture_output=True, text=True, timeout=20, check=True
        ).stdout.strip()
        return out or DEFAULT_NPM_REGISTRY
    except (OSError, subprocess.SubprocessError):
        return DEFAULT_NPM_REGISTRY


def _absolute(settings: Settings) -> Settings:
    """Resolve a relative DATA_DIR / SQLite path now, since children run from the project root."""
    from sqlalchemy.engine import make_url

    data_dir = settings.data_dir.resolve()
    url = make_url(settings.database_url)
    database_url = settings.database_url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database_url = url.set(database=str(Path(url.database).resolve())).render_as_string(hide_password=False)
    return settings.model_copy(update={"data_dir": data_dir, "database_url": database_url})


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


from campaign_dashboard import cli_sending  # noqa: E402,F401  (registers emulator and worker)
