"""The `campaign-dashboard` command (also `python -m campaign_dashboard`).

Adding a subcommand is one decorated function in the module of its group:

    @command("worker", "Run the Huey consumer.", arg("--threads", type=int, default=4))
    def worker(args: argparse.Namespace) -> int: ...

A name with a space ("token create") becomes a nested subcommand. Groups: `data` (migrate,
seed-demo), `accounts` (token, user), `contacts` (contact export|erase, GDPR), `processes` (up,
web, worker, emulator; `up` runs what `up_processes()` lists under the `supervisor`), `bench`.
Command modules import their heavy dependencies inside the handler, so `--help` and `migrate`
need only the runtime dependencies (the benchmarks need the `test` extra).
"""

from __future__ import annotations

import argparse
import sys

from campaign_dashboard.cli import accounts, bench, contacts, data, processes
from campaign_dashboard.cli.processes import up_processes
from campaign_dashboard.cli.registry import COMMANDS, parser_for
from campaign_dashboard.cli.supervisor import ROOT, Process, Supervisor
from campaign_dashboard.services.errors import DomainError

__all__ = ["ROOT", "Process", "Supervisor", "build_parser", "main", "up_processes"]

# The order `--help` lists the groups in (within a module: the order of its definitions).
GROUPS = (data, accounts, contacts, processes, bench)


def build_parser() -> argparse.ArgumentParser:
    order = [module.__name__ for module in GROUPS]
    return parser_for(sorted(COMMANDS, key=lambda cmd: order.index(cmd.handler.__module__)))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args) or 0
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
