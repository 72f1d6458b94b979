"""The index behind the contacts search.

The search is a "contains" (`%term%`) over email, names and phone, which no ordinary index can
serve: at a million contacts every search read every row (3-4 s). Trigram indexes can. On
PostgreSQL it is a `pg_trgm` GIN index on one lower-cased text of the searched columns; on SQLite a
contentless FTS5 table with the trigram tokenizer, kept in step by triggers on `contacts`, so every
writer (imports, the API, erasure, any other process) keeps it current without remembering to.

The index only narrows the candidates: `contacts.matches_search` still decides, so a search finds
exactly what it found without the index. Terms shorter than a trigram get no help (they match
most contacts anyway, so the first page is found early)."""

from __future__ import annotations

from sqlalchemy import Boolean
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

TRIGRAM = 3
SQLITE_TABLE = "contact_search"
PG_INDEX = "ix_contacts_search_trgm"


def searched_text(prefix: str = "") -> str:
    """The text a search looks in, as SQL over the columns of `contacts` (prefixed `new.`,
    `contacts.`...): the index is built on exactly this expression. chr(31), a character nobody
    types, keeps a term from matching across two columns."""
    return (
        f"lower(coalesce({prefix}email, '') || chr(31) || {prefix}first_name || ' ' || {prefix}last_name"
        f" || chr(31) || coalesce({prefix}phone, ''))"
    )


def postgres_ddl() -> list[str]:
    return [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON contacts USING gin (({searched_text()}) gin_trgm_ops)",
    ]


def sqlite_ddl() -> list[str]:
    """A contentless table (the text is not stored twice), so a row leaves the index through
    FTS5's 'delete' command given the row's old text, which the triggers have at hand."""
    new, old = _sqlite_text("new."), _sqlite_text("old.")
    forget = f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, body) VALUES ('delete', old.id, {old});"
    remember = f"INSERT INTO {SQLITE_TABLE}(rowid, body) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {SQLITE_TABLE} USING fts5(body, content='', tokenize='trigram')",
        f"INSERT INTO {SQLITE_TABLE}(rowid, body) SELECT id, {_sqlite_text('')} FROM contacts",
        f"CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN {remember} END",
        "CREATE TRIGGER contacts_search_update AFTER UPDATE OF email, first_name, last_name, phone"
        f" ON contacts BEGIN {forget} {remember} END",
        f"CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN {forget} END",
    ]


def _sqlite_text(prefix: str) -> str:
    return searched_text(prefix).replace("chr(31)", "char(31)")


class search_candidates(FunctionElement):  # noqa: N801 - a SQL function, named like one
    """`search_candidates(match_query, like_pattern, ...)`: true for the contacts the index says
    may contain the term; each database reads the arguments its index understands (SQLite the
    FTS5 query, PostgreSQL the LIKE patterns)."""

    type = Boolean()
    name = "search_candidates"
    inherit_cache = True


def candidates(term: str, digits: str = "") -> search_candidates | None:
    """The index's narrowing for `term` (or the `digits` of a typed phone number, when given), or
    None when the term is too short for a trigram."""
    if len(term) < TRIGRAM:
        return None
    alternatives = [term] + ([digits] if len(digits) >= TRIGRAM else [])
    match_query = " OR ".join('"' + t.replace('"', '""') + '"' for t in alternatives)
    return search_candidates(match_query, *(_contains_pattern(t) for t in alternatives))


def _contains_pattern(term: str) -> str:
    """`%term%` for LIKE, the term's own % _ and backslash escaped (backslash is LIKE's escape)."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@compiles(search_candidates, "postgresql")
def _on_postgresql(element: search_candidates, compiler, **kw) -> str:
    _, *patterns = list(element.clauses)
    text = searched_text("contacts.")
    found = [f"{text} LIKE lower({compiler.process(pattern, **kw)})" for pattern in patterns]
    return "(" + " OR ".join(found) + ")"


@compiles(search_candidates, "sqlite")
def _on_sqlite(element: search_candidates, compiler, **kw) -> str:
    match_query = compiler.process(list(element.clauses)[0], **kw)
    return f"contacts.id IN (SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH {match_query})"


@compiles(search_candidates)
def _elsewhere(element: search_candidates, compiler, **kw) -> str:
    return "1 = 1"  # no index: matches_search alone decides
