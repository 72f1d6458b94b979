"""The contacts search index (pg_trgm on PostgreSQL, FTS5 trigram on SQLite, and B-tree prefix
indexes for terms of one or two characters): a search finds exactly what the plain "contains" (or,
for short terms, "starts with") finds, the index follows every change to a contact, the databases
really use it, and a search's count stops at its limit."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, or_, text
from sqlmodel import col, select

from campaign_dashboard.models import Contact
from campaign_dashboard.services.audience import contact_search, search_index
from campaign_dashboard.services.audience.contact_search import ContactFilter, count_contacts, find_contacts
from campaign_dashboard.services.audience.contacts import ContactUpdate, contains_term, matches_search, update_contact
from campaign_dashboard.services.audience.erasure import erase_contact
from tests.factories import make_contact

PEOPLE = [
    ("ada.lovelace@example.com", "Ada", "Lovelace", "+14155552671"),
    ("BOB_99@Example.org", "Bob", "O'Brien", "+442071838750"),
    ("zoe@exámple.fr", "Zoë", "Ça\u011flar", None),
    ("percent%sign@example.com", "100%", "Sure_thing", "+33612345678"),
    ("back\\slash@example.com", 'Say "hi"', "Back\\Slash", "+4915112345678"),
    (None, "Only", "Phone", "+12125550123"),
    ("chloe.smith@example.net", "Chloe", "Smith", "+14155550000"),
    ("chloe2@example.net", "chloé", "SMITH-JONES", None),
    ("x@y.io", "", "", None),
]

FIELD_TEXT = [part for person in PEOPLE for part in person if part]
ODD = st.text(alphabet="aAbBcCeEoOlLéÉëçÇ%_\\\"' .@-+()0123456789\u011f", min_size=0, max_size=8)


@st.composite
def terms(draw) -> str:
    """A piece of some contact's field (in any case, maybe with a stray character around it), or
    text made of the characters that are special somewhere: LIKE's % _ \\, FTS5's quote."""
    if draw(st.booleans()):
        return draw(ODD)
    source = draw(st.sampled_from(FIELD_TEXT))
    start = draw(st.integers(0, len(source)))
    piece = source[start : draw(st.integers(start, len(source)))]
    piece = "".join(ch.upper() if draw(st.booleans()) else ch for ch in piece)
    return draw(st.sampled_from(["", " ", "%", "x"])) + piece


@pytest.fixture
def people(session):
    return [
        make_contact(session, email=email, first_name=first, last_name=last, phone=phone)
        for email, first, last, phone in PEOPLE
    ]


def found(session, condition) -> list[int]:
    return list(session.exec(select(col(Contact.id)).where(condition).order_by(col(Contact.id))).all())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(term=terms())
def test_a_search_finds_exactly_what_the_plain_contains_finds(session, people, term):
    term = term.strip()
    if not term:
        return
    meaning = contains_term(term) if len(term) >= 3 else plainly_starts_with(term)
    assert found(session, matches_search(session, term)) == found(session, meaning)


def plainly_starts_with(term: str):
    """What a one- or two-character term means, without ranges or indexes: the first characters
    of the lower-cased email, first or last name are the lower-cased term."""
    columns = (Contact.email, Contact.first_name, Contact.last_name)
    return or_(*(func.substr(func.lower(column), 1, len(term)) == func.lower(term) for column in columns))


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("lovelace@EXAMPLE", ["ada.lovelace@example.com"]),
        ("bob_99", ["BOB_99@Example.org"]),
        ("100%", ["percent%sign@example.com"]),
        ("k\\sl", ["back\\slash@example.com"]),
        ('"hi"', ["back\\slash@example.com"]),
        ("ada love", ["ada.lovelace@example.com"]),
        ("(212) 555-0123", [None]),
        ("chloe", ["chloe.smith@example.net", "chloe2@example.net"]),
        ("com chloe", []),  # never across two fields
        # One or two characters: the start of the email, first or last name, in any case.
        ("ad", ["ada.lovelace@example.com"]),
        ("SM", ["chloe.smith@example.net", "chloe2@example.net"]),
        ("o'", ["BOB_99@Example.org"]),
        ("10", ["percent%sign@example.com"]),
        ("x@", ["x@y.io"]),
        ("%", []),  # a character, not a wildcard
        ("ex", []),  # inside an email is not its start
        ("+1", []),  # phone numbers need three digits
        ("zq", []),
    ],
)
def test_searches_find_their_contacts(session, people, term, expected):
    page = find_contacts(session=session, filters=ContactFilter(search=term))
    assert [c.email for c in page.items] == expected


def test_the_index_follows_every_change_to_a_contact(session, people):
    ada = people[0]

    def search(term: str) -> list[int]:
        return [c.id for c in find_contacts(session=session, filters=ContactFilter(search=term)).items]

    update_contact(session=session, contact_id=ada.id, data=ContactUpdate(email="countess@example.com"))
    assert search("lovelace@") == []
    assert search("countess") == [ada.id]

    update_contact(session=session, contact_id=ada.id, data=ContactUpdate(first_name="Augusta"))
    assert search("augusta love") == [ada.id]

    erase_contact(session=session, contact=ada)
    assert search("countess") == [] and search("augusta") == [] and search("5552671") == []

    newcomer = make_contact(session, email="late.arrival@example.com", first_name="Late")
    assert search("arrival") == [newcomer.id]
    session.delete(newcomer)
    session.commit()
    assert search("arrival") == []


def test_the_database_answers_a_search_from_the_index(session, people):
    """The query plan names the index: without it a search reads every contact."""
    query = select(col(Contact.id)).where(matches_search(session, "lovelace"))
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL enable_seqscan = off"))  # nine rows: the planner would rather scan them
        plan = "\n".join(session.execute(text(f"EXPLAIN {compiled}")).scalars())
        assert search_index.PG_INDEX in plan
    else:
        plan = "\n".join(str(row[-1]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert f"SCAN {search_index.SQLITE_TABLE} VIRTUAL TABLE INDEX" in plan


@pytest.mark.parametrize("column", search_index.PREFIX_COLUMNS)
def test_a_short_term_is_answered_from_the_prefix_indexes(session, people, column):
    """Each column's range reads its index: a two-letter term that matches nobody must not read
    every contact (it took 3-6 s at a million contacts as a "contains")."""
    page = select(Contact).where(matches_search(session, "zq")).order_by(col(Contact.id)).limit(51)
    if session.get_bind().dialect.name == "postgresql":
        compiled = page.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(session.execute(text(f"EXPLAIN {compiled}")).scalars())
    else:
        # With the term bound, as the app runs it: SQLite then cannot size the ranges, and would
        # read the page in id order through every contact unless it is told to look up candidates.
        compiled = page.compile(session.get_bind())
        bound = tuple(compiled.params[name] for name in compiled.positiontup or ())
        driver = session.connection().connection.driver_connection
        plan = "\n".join(str(row[-1]) for row in driver.execute(f"EXPLAIN QUERY PLAN {compiled}", bound))
        assert "SCAN contacts" not in plan
    assert search_index.prefix_index(column) in plan


def test_a_search_counts_to_its_limit_and_filters_count_exactly(session, monkeypatch):
    for n in range(7):
        make_contact(session, email=f"many{n}@example.com", first_name="Many")
    monkeypatch.setattr(contact_search, "SEARCH_COUNT_LIMIT", 4)
    assert count_contacts(session=session, filters=ContactFilter(search="many")) == 5  # "more than 4"
    assert count_contacts(session=session, filters=ContactFilter(search="many3")) == 1
    assert count_contacts(session=session, filters=ContactFilter(email_status="subscribed")) == 7


def test_a_term_many_contacts_contain_is_found_in_id_order_without_lookups(session, people, monkeypatch):
    """Past SQLITE_LOOKUPS candidates SQLite reads contacts in id order: same answer."""
    monkeypatch.setattr(search_index, "SQLITE_LOOKUPS", 2)
    for term in ("example", "chloe", "smith", "(415) 555", "nobody"):
        assert found(session, matches_search(session, term)) == found(session, contains_term(term))
    for term in ("ch", "SM", "a", "zq"):  # short terms: the prefix ranges in id order
        assert found(session, matches_search(session, term)) == found(session, plainly_starts_with(term))
    assert len(found(session, matches_search(session, "ch"))) == 2
    assert len(found(session, matches_search(session, "example"))) == 6  # not zoe@exámple.fr


def test_a_page_and_its_count_ask_the_sqlite_index_how_many_candidates_once(session, people):
    """The probe that picks the plan (lookups or an id-order read) runs once per session, not once
    for the page and again for its count."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("the candidate probe is SQLite's (PostgreSQL's planner decides by itself)")
    from sqlalchemy import event

    probes: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "count(" in statement and "contacts" not in statement.replace(search_index.SQLITE_TABLE, ""):
            probes.append(statement)  # a count of the index alone

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        filters = ContactFilter(search="example")
        page = find_contacts(session=session, filters=filters, limit=2)
        total = count_contacts(session=session, filters=filters)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(probes) == 1
    assert len(page.items) == 2 and total == 6
