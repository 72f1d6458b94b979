"""Bounds on one render: CPU time, output size and the work a template may do.

Templates are written by people (any editor, and the API), and the web process and the send
worker render them. A template such as `{{ 7**6000000 }}`, `{{ 'y'*5000000 }}` or three nested
`range(10000)` loops must not stall a process or fill its memory, so every render runs under a
`Budget`:

- CPU time of the rendering thread (`time.thread_time`, so it works in any thread and counts
  only this render's work), checked at every loop iteration, call, filter, operator and output;
- output size: the rendered text may not exceed `max_output` characters;
- work: every piece of text a template produces (outputs inside loops, macros and `{% set %}`
  blocks, joins, repetitions, results of calls) counts, up to `max_work` characters, so text
  built and thrown away, or kept in a namespace, is bounded as well as the output;
- operators and arguments that would allocate a huge value in ONE step (`**`, `*`, `%` widths,
  `center(10**9)`, `join`, `replace`) are refused before they run, and `range` is capped.

`BudgetExceeded` says which limit was hit in words a marketer understands.
"""

from __future__ import annotations

import contextlib
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


class BudgetExceeded(Exception):
    """A render hit one of its limits; `str(exc)` says which."""


@dataclass(frozen=True)
class RenderLimits:
    """The limits of one render (see Settings: RENDER_*)."""

    cpu_seconds: float = 2.0
    max_output: int = 1_000_000  # characters of one rendered part (an email's HTML, subject, text)
    max_sms: int = 1600  # characters of one rendered SMS body
    max_range: int = 10_000  # items of one range()
    max_int_bits: int = 4096  # size of a number an operator may produce (about 1,200 digits)

    @property
    def max_work(self) -> int:
        """Characters a render may produce in total, thrown away or not."""
        return 10 * self.max_output

    @classmethod
    def from_settings(cls, settings: Any) -> RenderLimits:
        return cls(
            cpu_seconds=settings.render_cpu_seconds,
            max_output=settings.render_max_output_chars,
            max_sms=settings.render_max_sms_chars,
            max_range=settings.render_max_range,
        )


class Budget:
    """What one render has used so far."""

    CLOCK_EVERY = 16  # look at the clock on every 16th tick: each step between two is size-bounded

    def __init__(self, limits: RenderLimits) -> None:
        self.limits = limits
        self.work = 0
        self.ticks = 0
        self.cpu_start = time.thread_time()
        # A thread cannot use more CPU time than wall time passes, so the (slower) CPU clock is
        # only read once the cheap wall clock says the limit could have been reached.
        self.next_look = time.monotonic() + limits.cpu_seconds

    def tick(self) -> None:
        self.ticks += 1
        if self.ticks % self.CLOCK_EVERY == 0 and time.monotonic() > self.next_look:
            self._check_cpu()

    def _check_cpu(self) -> None:
        left = self.limits.cpu_seconds - (time.thread_time() - self.cpu_start)
        if left <= 0:
            raise BudgetExceeded(
                f"the template takes too long to render (more than {self.limits.cpu_seconds:g} s of CPU)"
            )
        self.next_look = time.monotonic() + left

    def produced(self, value: Any) -> Any:
        """Count a value the template made; refuse it when the render has made too much."""
        self.tick()
        if isinstance(value, (str, list, tuple, dict, set, frozenset)):
            size = len(value)
            if size > self.limits.max_work:
                raise BudgetExceeded(
                    f"the template makes a value of {size:,} characters or items (at most {self.limits.max_work:,})"
                )
            self.work += size
            if self.work > self.limits.max_work:
                raise BudgetExceeded(
                    f"the template produces too much text (more than "
                    f"{self.limits.max_work:,} characters in all, kept or not)"
                )
        elif isinstance(value, int) and not isinstance(value, bool):
            self.check_int(value)
        return value

    def check_int(self, value: int) -> None:
        if value.bit_length() > self.limits.max_int_bits:
            raise BudgetExceeded(
                f"the template computes a number that is too large (more than {self.limits.max_int_bits} bits)"
            )

    def check_size(self, size: int, what: str) -> None:
        if size > self.limits.max_work:
            raise BudgetExceeded(f"{what} would make {size:,} characters or items (at most {self.limits.max_work:,})")


_CURRENT: ContextVar[Budget | None] = ContextVar("render_budget", default=None)


def current() -> Budget:
    """The budget of the render running in this thread (a default one outside a render)."""
    budget = _CURRENT.get()
    return budget if budget is not None else Budget(RenderLimits())


class running:  # noqa: N801 (used as `with running(budget):`, like a function)
    """`with running(budget):` makes `budget` the one the sandbox's hooks charge."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget

    def __enter__(self) -> Budget:
        self._token = _CURRENT.set(self.budget)
        return self.budget

    def __exit__(self, *exc: object) -> None:
        _CURRENT.reset(self._token)


def bounded_output(pieces: Iterable[str], budget: Budget, *, what: str) -> str:
    """Join a template's output stream, stopping as soon as it exceeds `max_output`."""
    out: list[str] = []
    size = 0
    limit = budget.limits.max_output
    for piece in pieces:
        size += len(piece)
        if size > limit:
            raise BudgetExceeded(f"{what} is too long (more than {limit:,} characters)")
        out.append(piece)
    return "".join(out)


# --- guards the sandbox calls --------------------------------------------------------------------

_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\d*)(?:\.(\d*))?")
_DIGITS = re.compile(r"\d+")


def check_format(fmt: Any, budget: Budget, values: Any = ()) -> None:
    """Refuse a width or precision larger than the output limit (`'%999999999d' % 1`,
    `'{:>999999999}'.format(x)` allocate that much in one step); `%*d` takes it from `values`."""
    if not isinstance(fmt, str):
        return
    numbers = [n for spec in _PERCENT_SPEC.findall(fmt) for n in spec if n]
    with contextlib.suppress(ValueError):  # not a valid {} format: str.format will say so itself
        numbers += [n for _, _, spec, _ in string.Formatter().parse(fmt) if spec for n in _DIGITS.findall(spec)]
    values = values if isinstance(values, tuple) else (values,)
    if "*" in fmt:  # widths taken from the values
        numbers += [str(v) for v in values if isinstance(v, int) and not isinstance(v, bool) and v > 0]
    limit = budget.limits.max_output
    if any(len(n) > len(str(limit)) or int(n) > limit for n in numbers):
        raise BudgetExceeded(f"a format width or precision is larger than the output limit ({limit:,})")


def binop(operator: str, left: Any, right: Any, budget: Budget) -> Any:
    """`*`, `**`, `+` and `%` with their results bounded BEFORE they are computed."""
    budget.tick()
    if operator == "**":
        if (
            isinstance(left, int)
            and isinstance(right, int)
            and right > 0
            and abs(left) > 1
            and right * abs(left).bit_length() > budget.limits.max_int_bits
        ):
            raise BudgetExceeded(
                f"the template computes a number that is too large (more than {budget.limits.max_int_bits} bits)"
            )
        return budget.produced(left**right)
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, Sized) and not isinstance(seq, int) and isinstance(times, int):
                budget.check_size(len(seq) * max(times, 0), "repeating a text or list")
        if (
            isinstance(left, int)
            and isinstance(right, int)
            and abs(left).bit_length() + abs(right).bit_length() > budget.limits.max_int_bits + 1
        ):
            raise BudgetExceeded(
                f"the template computes a number that is too large (more than {budget.limits.max_int_bits} bits)"
            )
        return budget.produced(left * right)
    if operator == "+":
        if isinstance(left, Sized) and isinstance(right, Sized):
            budget.check_size(len(left) + len(right), "joining two texts or lists")
        return budget.produced(left + right)
    if operator == "%":
        check_format(left, budget, right)
        return budget.produced(left % right)
    raise AssertionError(operator)


WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})  # str methods padding to a width
COUNT_FILTERS = frozenset({"center", "slice"})  # filters making that many characters or lists


def check_counts(args: tuple, kwargs: dict, budget: Budget) -> None:
    """Refuse a width or count larger than the output limit (`center(10**9)`, `slice(10**9)`)."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and value > budget.limits.max_output:
            raise BudgetExceeded(
                f"the number {value:,} is too large a width or count (at most {budget.limits.max_output:,})"
            )


def check_call(func: Any, args: tuple, kwargs: dict, budget: Budget) -> None:
    """Refuse calls of str methods that would allocate a huge value in one step."""
    budget.tick()
    target = getattr(func, "__wrapped__", func)
    owner, name = getattr(target, "__self__", None), getattr(target, "__name__", "")
    if isinstance(owner, str):
        if name in WIDTH_METHODS:
            check_counts(args, kwargs, budget)
        elif name in ("format", "format_map"):
            check_format(owner, budget)
        elif name == "join" and args and isinstance(args[0], Sized):
            budget.check_size(len(owner) * len(args[0]), "join")
        elif name == "replace" and len(args) >= 2:
            _check_replace(owner, args[0], args[1], args[2] if len(args) > 2 else -1, budget)
        elif name == "expandtabs":
            tab = args[0] if args else kwargs.get("tabsize", 8)
            if isinstance(tab, int):
                budget.check_size(len(owner) + owner.count("\t") * tab, "expandtabs")


def _check_replace(text: Any, old: Any, new: Any, count: Any, budget: Budget) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        hits = text.count(old) if old else len(text) + 1
        if isinstance(count, int) and count >= 0:
            hits = min(hits, count)
        budget.check_size(len(text) + hits * max(len(new) - len(old), 0), "replace")


def guarded_filter(name: str, func: Callable) -> Callable:
    """A built-in filter with its arguments checked and its result counted."""

    def check(args: tuple, kwargs: dict, budget: Budget) -> None:
        budget.tick()
        value = args[0] if args else None
        if name in COUNT_FILTERS:
            check_counts(args[1:], kwargs, budget)
        if name == "format":
            check_format(value, budget)
        elif name == "join":
            sep = args[1] if len(args) > 1 else kwargs.get("d", "")
            if isinstance(sep, str) and isinstance(value, Sized):
                budget.check_size(len(sep) * len(value), "join")
        elif name == "replace" and len(args) >= 3:
            _check_replace(value, args[1], args[2], args[3] if len(args) > 3 else kwargs.get("count", -1), budget)
        elif name == "indent" and isinstance(value, str):
            width = args[1] if len(args) > 1 else kwargs.get("width", 4)
            size = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
            budget.check_size(len(value) + (value.count("\n") + 1) * size, "indent")

    def guarded(*args: Any, **kwargs: Any) -> Any:
        budget = current()
        pass_arg = getattr(func, "jinja_pass_arg", None)
        check(args[1:] if pass_arg is not None else args, kwargs, budget)
        return budget.produced(func(*args, **kwargs))

    guarded.__name__ = getattr(func, "__name__", name)
    if hasattr(func, "jinja_pass_arg"):
        guarded.jinja_pass_arg = func.jinja_pass_arg  # type: ignore[attr-defined]
    return guarded


def capped_range(*args: int) -> range:
    budget = current()
    budget.tick()
    rng = range(*args)
    if len(rng) > budget.limits.max_range:
        raise BudgetExceeded(f"range() of {len(rng):,} items is too long (at most {budget.limits.max_range:,})")
    return rng


def guarded_iter(iterable: Any) -> Iterator[Any]:
    """Every `{% for %}` loop iterates through this: each iteration checks the CPU budget."""
    budget = current()
    if iterable is None or not hasattr(iterable, "__iter__"):
        yield from iterable  # let the loop fail as it would (Undefined, not iterable)
        return
    for item in iterable:
        budget.tick()
        yield item
