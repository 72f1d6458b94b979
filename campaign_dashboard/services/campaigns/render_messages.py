"""Template errors in words a marketer can act on: what is wrong, where (line, and column when
Jinja knows it) and a short excerpt of that line, e.g.
`line 3, column 9: unexpected '!' in {{ name! }}: a variable name may contain only letters, digits and _`.

Jinja's own messages ("unexpected char '!' at 22", "expected token 'end of print statement', got
'b'") speak about its parser; `rendering` turns every Jinja failure into one of these sentences
(syntax errors when compiling, unknown variables and runtime errors when rendering, limits hit)
and keeps naming the field the error belongs to.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType

from jinja2 import TemplateSyntaxError

EXCERPT_CHARS = 60
TEMPLATE_FILE = "<template>"  # the file name Jinja gives a template made from a string
TAG = re.compile(r"\{\{.*?(?:\}\}|$)|\{%.*?(?:%\}|$)|\{#.*?(?:#\}|$)")
TOKEN_WORDS = {
    "end of print statement": "}}",
    "end of statement block": "%}",
    "end of template": "the end of the template",
}
BLOCK_TAGS = ("if", "for", "macro", "call", "filter", "block", "with", "autoescape", "raw")
UNCLOSED_BLOCK = re.compile(r"Unexpected end of template\. .*The innermost block that needs to be closed is '(\w+)'")
KNOWN_TAGS = (*BLOCK_TAGS, "elif", "else", "set", "include", "import", "from", "do", "break", "continue")


@dataclass(frozen=True)
class Problem:
    """One error: `text` without the field; `line` and `column` when known (1-based)."""

    text: str
    line: int | None = None
    column: int | None = None

    @property
    def sentence(self) -> str:
        """`line 3, column 9: text`, or just the text when the line is unknown."""
        return located(self.text, self.line, self.column)

    def detail(self, field: str) -> dict[str, object]:
        detail: dict[str, object] = {"field": field, "message": self.sentence}
        if self.line is not None:
            detail["line"] = self.line
        if self.column is not None:
            detail["column"] = self.column
        return detail


def located(text: str, line: int | None, column: int | None = None) -> str:
    """`line 3, column 9: text` (or just `text` when the line is unknown)."""
    if line is None:
        return text
    where = f"line {line}, column {column}" if column is not None else f"line {line}"
    return f"{where}: {text}"


def _lines(source: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", source)


def excerpt(source: str, line: int | None, *, column: int | None = None, name: str | None = None) -> str:
    """A short piece of `line`: the tag at `column` or mentioning `name` when there is one, else
    the line itself, cut to about EXCERPT_CHARS characters."""
    lines = _lines(source)
    if line is None or not 1 <= line <= len(lines):
        return ""
    text = lines[line - 1]
    for match in TAG.finditer(text):
        inside = column is not None and match.start() < column <= match.end() + 1
        mentions = name is not None and re.search(rf"(?<!\w){re.escape(name)}\b", match.group())
        if inside or mentions:
            return _cut(match.group().strip(), column - match.start() if inside and column else None)
    tags = [m.group().strip() for m in TAG.finditer(text)]
    if column is None and name is None and tags and (len(tags) == 1 or not tags[-1].endswith("}")):
        return _cut(tags[-1], None)  # the only tag on the line, or the one left open at its end
    return _cut(text.strip(), None if column is None else column - (len(text) - len(text.lstrip())))


def _cut(text: str, around: int | None) -> str:
    if len(text) <= EXCERPT_CHARS:
        return text
    start = 0 if around is None else max(0, min(around - EXCERPT_CHARS // 2, len(text) - EXCERPT_CHARS))
    piece = text[start : start + EXCERPT_CHARS]
    return ("…" if start else "") + piece + ("…" if start + EXCERPT_CHARS < len(text) else "")


def _in(piece: str) -> str:
    """` in {{ tag }}` for a tag, ` in “text”` for plain text, nothing for nothing."""
    if not piece:
        return ""
    return f" in {piece}" if piece.startswith("{") else f" in “{piece}”"


def suggestion(name: str, known: Iterable[str]) -> str | None:
    """The known name `name` is most probably a typo of, if any."""
    found = difflib.get_close_matches(name, [k for k in known if k != name], n=1, cutoff=0.8)
    return found[0] if found else None


# --- syntax errors -------------------------------------------------------------------------------


def syntax_problem(exc: TemplateSyntaxError, source: str, *, filters: Iterable[str], tests: Iterable[str]) -> Problem:
    """The parser's complaint about `source`, in words, with where it is."""
    message = (exc.message or "").strip()
    line: int | None = exc.lineno
    source = "\n".join(_lines(source))  # Jinja counts offsets in the source with \n line ends

    if match := re.fullmatch(r"unexpected char (['\"])(.+?)\1 at (\d+)", message):
        char, offset = match.group(2), int(match.group(3))
        line, column = _position(source, offset, line)
        piece = excerpt(source, line, column=column)
        if char in "'\"":
            hint = "a text in quotes is not closed (quotes come in pairs)"
        else:
            hint = "a variable name may contain only letters, digits and _"
        return Problem(f"unexpected '{char}'{_in(piece)}: {hint}", line, column)

    if match := re.fullmatch(r"unexpected end of template, expected '(.+?)'\.?", message):
        closer = TOKEN_WORDS.get(match.group(1), match.group(1))
        opener = {"}}": "{{", "%}": "{%"}.get(closer)
        if opener:
            start = source.rfind(opener)
            if start >= 0:
                line, column = _position(source, start, line)
                piece = excerpt(source, line, column=column)
                return Problem(f"{opener} is never closed with {closer}{_in(piece)}", line, column)
        return Problem(f"the template ends too early: {closer} is missing", line)

    if match := UNCLOSED_BLOCK.match(message):
        tag = match.group(1)
        opened = _unclosed(source, tag)
        column = None
        if opened is not None:
            line, column = _position(source, opened, line)
        piece = _in(excerpt(source, line, column=column))
        return Problem(f"{{% {tag} %}} is never closed{piece}: add {{% end{tag} %}}", line, column)

    if match := re.match(r"Encountered unknown tag '(\w+)'\.(.*)", message, re.S):
        tag, rest = match.group(1), match.group(2)
        piece = _in(excerpt(source, line, name=tag))
        inner = re.search(r"innermost block that needs to be closed is '(\w+)'", rest)
        if tag.startswith("end") and inner:
            block = inner.group(1)
            return Problem(
                f"{{% {tag} %}} does not match the open {{% {block} %}}{piece}: close it with {{% end{block} %}} first",
                line,
            )
        if tag.startswith("end") or tag in ("elif", "else"):
            return Problem(f"{{% {tag} %}} has no block to close or continue{piece}", line)
        return Problem(f"unknown tag {{% {tag} %}}{piece}{_did_you_mean(tag, KNOWN_TAGS)}", line)

    if match := re.fullmatch(r"No (filter|test) named '(.+?)'\.?", message):
        kind, name = match.groups()
        known = [n for n in (filters if kind == "filter" else tests) if not n.startswith("_")]
        piece = _in(excerpt(source, line, name=name))
        return Problem(f"unknown {kind} '{name}'{piece}{_did_you_mean(name, known)}", line)

    if match := re.fullmatch(r"Expected an expression, got '(.+?)'", message):
        got = TOKEN_WORDS.get(match.group(1), match.group(1))
        piece = excerpt(source, line, name=None)
        if got in ("}}", "%}"):
            return Problem(f"something is missing before {got}{_in(piece)}: a variable name or a value", line)
        return Problem(f"unexpected '{got}'{_in(piece)}: a variable name or a value is expected there", line)

    if match := re.fullmatch(r"expected token '(.+?)', got '(.+?)'", message):
        wanted = TOKEN_WORDS.get(match.group(1), match.group(1))
        got = match.group(2)
        piece = _in(excerpt(source, line, name=got if got.isidentifier() else None))
        hint = " (join two values with ~, or filter one with |)" if wanted == "}}" else ""
        return Problem(f"unexpected '{got}'{piece} where {wanted} was expected{hint}", line)

    if match := re.fullmatch(r"unexpected '(.+?)'(?:, expected '(.+?)')?", message):
        got, wanted = match.group(1), match.group(2)
        tag = excerpt(source, line)
        piece = _in(tag)
        if got == "}" and wanted is None:
            return Problem(f"unexpected '}}'{piece}: a variable is closed with two braces, }}}}", line)
        if tag.startswith("{{") and not tag.endswith("}}"):
            return Problem(f"{{{{ is never closed with }}}}{piece}", line)
        tail = f" where '{TOKEN_WORDS.get(wanted, wanted)}' was expected" if wanted else ""
        return Problem(f"unexpected '{TOKEN_WORDS.get(got, got)}'{piece}{tail}", line)

    if message == "Missing end of comment tag":
        return Problem("a comment {# is never closed with #}" + _in(excerpt(source, line)), line)
    if message == "Missing end of raw directive":
        return Problem("{% raw %} is never closed with {% endraw %}", line)
    return Problem(f"the template is not valid{_in(excerpt(source, line))}: {message}", line)


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    found = suggestion(name, known)
    return f"; did you mean '{found}'?" if found else ""


def _position(source: str, offset: int, fallback_line: int | None) -> tuple[int | None, int | None]:
    """1-based line and column of `offset` in `source`."""
    if not 0 <= offset <= len(source):
        return fallback_line, None
    line = source.count("\n", 0, offset) + 1
    return line, offset - (source.rfind("\n", 0, offset) + 1) + 1


def _unclosed(source: str, tag: str) -> int | None:
    """Offset of the `{% tag %}` left open at the end of `source` (the innermost such block)."""
    stack: list[tuple[str, int]] = []
    for match in re.finditer(r"\{%[-+]?\s*(end)?(\w+)", source):
        name = match.group(2)
        if name not in BLOCK_TAGS:
            continue
        if match.group(1):
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == name:
                    del stack[i:]
                    break
        else:
            stack.append((name, match.start()))
    for name, offset in reversed(stack):
        if name == tag:
            return offset
    return None


# --- render errors -------------------------------------------------------------------------------


def template_line(traceback: TracebackType | None) -> int | None:
    """The template line a render failed on: the innermost frame Jinja mapped to the template."""
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == TEMPLATE_FILE:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def undefined_name(message: str) -> str | None:
    """The missing name in Jinja's "'coupon' is undefined" or "'dict object' has no attribute 'x'"."""
    match = re.match(r"'(.+?)' is undefined", message) or re.match(r"'.+?' has no attribute '(.+?)'", message)
    return match.group(1) if match else None


def undefined_problem(name: str, known: Iterable[str], *, line: int | None, source: str) -> Problem:
    """A variable the contact does not have: a typo of a known name, or a missing value."""
    piece = _in(excerpt(source, line, name=name))
    near = suggestion(name, known)
    if near:
        return Problem(f"'{name}' is not a contact field{piece}; did you mean '{near}'?", line)
    return Problem(
        f"'{name}' is not set for this contact{piece}; use {{{{ {name} | default(\"...\") }}}} for a fallback",
        line,
    )


def runtime_problem(reason: str, *, line: int | None, source: str) -> Problem:
    """A failure while rendering (a limit, 1/0, a bad value) with where it happened."""
    return Problem(f"{reason}{_in(excerpt(source, line))}", line)


def runtime_reason(exc: BaseException) -> str:
    """An exception a template's own code raised, in words."""
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if isinstance(exc, TypeError) and "concatenate" in str(exc):
        return "text and a number cannot be added with + (join them with ~)"
    if isinstance(exc, (TypeError, ValueError)):
        return f"a value has the wrong type or form ({exc})"
    return f"{exc.__class__.__name__}: {exc}"
