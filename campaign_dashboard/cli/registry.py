"""How a subcommand is declared: `@command(name, help, arg(...), ...)` on its handler. The command
modules of this package only import this one, so the package has no import cycle."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, NamedTuple

Handler = Callable[[argparse.Namespace], int | None]
Argument = tuple[tuple[str, ...], dict[str, Any]]


class Command(NamedTuple):
    name: str
    help: str
    arguments: tuple[Argument, ...]
    handler: Handler


COMMANDS: list[Command] = []


def arg(*flags: str, **kwargs: Any) -> Argument:
    """One argparse argument, as `parser.add_argument(*flags, **kwargs)` would take it."""
    return flags, kwargs


def command(name: str, help: str, *arguments: Argument):
    """Register the decorated function as the subcommand `name` ("group sub" nests)."""

    def decorator(handler: Handler) -> Handler:
        COMMANDS.append(Command(name, help, arguments, handler))
        return handler

    return decorator


def parser_for(commands: list[Command]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="campaign-dashboard", description="Self-hosted email and SMS campaign manager."
    )
    root = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction] = {}
    for cmd in commands:
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
