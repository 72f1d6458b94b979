"""The index behind the contacts search.

The search is a "contains" (`%term%`) over email, names and phone, which no ordinary index can
serve: at a million contacts every search read every row (3-4 s). Trigram indexes can. On
PostgreSQL it is a `pg_trgm` GIN index on one lower-cased text of the searched columns; on SQLite a
contentless FTS5 table with the trigram tokenizer, kept in step by triggers on `contacts`, so every
writer (imports, the API, erasure, any other process) keeps it current without remembering to.

The index only narrows the candidates: `contacts.matches_search` still decides, so a search finds
exactly what it found without the index. Terms shorter than a trigram mean something else, which
an index can serve: the email or a name starts with them (`starts_with`, one B-tree index per
column, whose ranges are the meaning itself); a "contains" of one or two letters read every
contact when few matched (3-6 s at a million).

Changing `searched_text` needs a migration that rebuilds the index. On SQLite, a migration that
rebuilds `contacts` (Alembic's batch mode copies the table) drops its triggers and must recreate
them: the search tests would then miss new contacts."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, Select, String, and_, func, literal, literal_column, or_, select, table
from sqlmodel import Session, col

from campaign_dashboard.models import Contact

TRIGRAM = 3
SQLITE_TABLE = "contact_search"
SQLITE_TRIGGERS = ("contacts_search_insert", "contacts_search_update", "contacts_search_delete")
PG_INDEX = "ix_contacts_search_trgm"
# Past this many candidates SQLite reads contacts in id order instead of looking each one up: a
# term that many contain fills a page within the first few thousand rows (50 x N / 50,000).
SQLITE_LOOKUPS = 50_000
# Terms shorter than a trigram find the contacts whose email, first or last name starts with them,
# through one B-tree index per column on its lower-cased text (binary order on both databases).
PREFIX_COLUMNS = ("email", "first_name", "last_name")
# Above every character: `prefix || TOP` bounds the strings that start with `prefix`.
TOP = chr(0x10FFFF)


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


def prefix_index(column: str) -> str:
    return f"ix_contacts_{column}_prefix"


def prefix_ddl(dialect: str) -> list[str]:
    """The short terms' indexes. PostgreSQL's say `COLLATE "C"` (byte order, whatever the
    database's collation), which the range in `starts_with` needs; SQLite's text order is binary."""
    collate = ' COLLATE "C"' if dialect == "postgresql" else ""
    return [
        f"CREATE INDEX IF NOT EXISTS {prefix_index(column)} ON contacts ((lower({column}){collate}))"
        for column in PREFIX_COLUMNS
    ]


def starts_with(session: Session, term: str):
    """A condition true for the contacts whose email, first or last name starts with `term`, in
    any case: what a term shorter than a trigram means. Each is a range over one column's index,
    `lower(term) <= lower(column) < lower(term) || TOP`, so even a term that matches nobody reads
    a few index entries instead of every contact."""
    dialect = session.get_bind().dialect.name
    low = func.lower(literal(term, String))
    high = low.concat(TOP)
    ranges = []
    for column in PREFIX_COLUMNS:
        lowered: ColumnElement[str] = func.lower(getattr(Contact, column))
        lowered = lowered.collate("C") if dialect == "postgresql" else lowered
        ranges.append(and_(lowered >= low, lowered < high))
    starting = or_(*ranges)
    if dialect != "sqlite":
        return starting
    # SQLite cannot tell from a bound term how many contacts the ranges hold, and for a page in id
    # order it reads contacts in id order: every one of a million for a term nobody starts with.
    # So, as for FTS5 (`candidates`): few candidates are looked up by id, many found in id order.
    found = select(col(Contact.id)).where(starting)
    return starting if _many_sqlite_candidates(session, ("prefix", term), found) else col(Contact.id).in_(found)


def sqlite_ddl() -> list[str]:
    """A contentless table (the text is not stored twice), so a row leaves the index through
    FTS5's 'delete' command given the row's old text, which the triggers have at hand."""
    new, old = _sqlite_text("new."), _sqlite_text("old.")
    forget = f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, body) VALUES ('delete', old.id, {old});"
    remember = f"INSERT INTO {SQLITE_TABLE}(rowid, body) VALUES (new.id, {new});"
    on_insert, on_update, on_delete = SQLITE_TRIGGERS
    return [
        f"CREATE VIRTUAL TABLE {SQLITE_TABLE} USING fts5(body, content='', tokenize='trigram')",
        f"INSERT INTO {SQLITE_TABLE}(rowid, body) SELECT id, {_sqlite_text('')} FROM contacts",
        f"CREATE TRIGGER {on_insert} AFTER INSERT ON contacts BEGIN {remember} END",
        f"CREATE TRIGGER {on_update} AFTER UPDATE OF email, first_name, last_name, phone"
        f" ON contacts BEGIN {forget} {remember} END",
        f"CREATE TRIGGER {on_delete} AFTER DELETE ON contacts BEGIN {forget} END",
    ]


def _sqlite_text(prefix: str) -> str:
    return searched_text(prefix).replace("chr(31)", "char(31)")


def candidates(session: Session, term: str, digits: str = ""):
    """A condition true for the contacts the index says may contain `term` (or the `digits` of a
    typed phone number, when given), or None when the index would not help: the term is shorter
    than a trigram, the database has no such index, or (SQLite) so many contacts may match that
    reading them in id order finds a page sooner than looking each one up."""
    if len(term) < TRIGRAM:
        return None
    alternatives = [term] + ([digits] if len(digits) >= TRIGRAM else [])
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        text_searched = literal_column(searched_text("contacts."), String)
        return or_(*(text_searched.like(func.lower(_contains_pattern(t))) for t in alternatives))
    if dialect == "sqlite":
        query = " OR ".join('"' + t.replace('"', '""') + '"' for t in alternatives)
        if _many_sqlite_candidates(session, query, _sqlite_matching(query)):
            return None
        return col(Contact.id).in_(_sqlite_matching(query))
    return None


def _sqlite_matching(query: str):
    """The rowids (contact ids) FTS5 finds for `query`, in id order."""
    found = select(literal_column("rowid", Integer)).select_from(table(SQLITE_TABLE))
    return found.where(literal_column(SQLITE_TABLE).op("MATCH")(query))


def _many_sqlite_candidates(session: Session, key: object, found: Select) -> bool:
    """Whether `found` (ids, from an index) holds SQLITE_LOOKUPS or more, counted that far (a few
    milliseconds). Kept for the session under `key`, so a page and its count probe once: the
    answer only picks the plan, never what is found."""
    probed = session.info.setdefault("search_index.many_candidates", {})
    if key not in probed:
        counted = select(func.count()).select_from(found.limit(SQLITE_LOOKUPS).subquery())
        probed[key] = (session.scalar(counted) or 0) >= SQLITE_LOOKUPS
    return probed[key]


def _contains_pattern(term: str) -> str:
    """`%term%` for LIKE, the term's own % _ and backslash escaped (backslash is LIKE's escape)."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
