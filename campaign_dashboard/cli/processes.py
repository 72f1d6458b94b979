"""Commands that run the app's processes: `up` (everything, for a laptop), `web` (one web replica
of a deployment), `worker` and `emulator`. `up` runs what `up_processes()` lists: add a `Process`
there to run it with the app."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from campaign_dashboard.cli.data import migrate_database, seed_database
from campaign_dashboard.cli.registry import arg, command
from campaign_dashboard.cli.supervisor import ROOT, Process, Supervisor
from campaign_dashboard.config import Settings, get_settings

DEFAULT_NPM_REGISTRY = "https://registry.npmjs.org/"


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
    return _run_app(
        settings,
        lambda: [web_process(child_env(settings), host=args.host, port=port)],
        url=f"http://{args.host}:{port}/",
        without_bun=": the web app builds its frontend with it (see deploy/Dockerfile).",
        migrate=not args.no_migrate,
    )


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
    return _run_app(
        settings,
        lambda: up_processes(settings, host=args.host, port=port),
        url=f"http://{url_host}:{port}/",
        without_bun=". Run `make run`, or install it from the npm registry:\n"
        "  npm install --prefix .tools --no-fund --no-audit bun@1.4.4",
        seed=not args.no_seed,
    )


def _run_app(
    settings: Settings,
    processes: Callable[[], list[Process]],
    *,
    url: str,
    without_bun: str,
    migrate: bool = True,
    seed: bool = False,
) -> int:
    """What `web` and `up` share: bun is there (Reflex builds the frontend with it), the schema is
    current, then the processes run under the supervisor until stopped."""
    if not _bun_available():
        print(f"error: bun not found{without_bun}", file=sys.stderr)
        return 1
    if migrate:
        migrate_database(settings)
    if seed:
        seed_database(settings)
    return Supervisor(processes(), url=url).run()


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


@command(
    "emulator",
    "Run the provider emulator (speaks the Resend and Twilio APIs, sends signed webhooks back).",
    arg("--host", default="127.0.0.1"),
    arg("--port", type=int, default=None, help="default EMULATOR_PORT (8025)"),
    arg("--webhook-url", default=None, help="the app's public base URL (default PUBLIC_BASE_URL)"),
    arg("--no-webhooks", action="store_true", help="accept messages but send no webhooks back"),
    arg("--resend-rps", type=float, default=None, help="Resend requests/s before 429 (0 = no limit)"),
    arg("--twilio-mps", type=float, default=None, help="Twilio messages/s per sender (0 = no limit)"),
)
def emulator_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.emulator.server import serve

    settings = get_settings()
    serve(
        host=args.host,
        port=args.port or settings.emulator_port,
        webhook_url=args.webhook_url or settings.public_base_url,
        webhooks=False if args.no_webhooks else None,
        resend_rps=args.resend_rps,
        twilio_mps=args.twilio_mps,
    )
    return 0


@command(
    "worker",
    "Run a Huey worker (sending, scheduling, crash recovery). Run as many as you like, anywhere.",
    arg("--workers", type=int, default=4, help="threads in this process (default 4)"),
)
def worker_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.tasks.worker import run_worker

    run_worker(workers=args.workers)
    return 0
