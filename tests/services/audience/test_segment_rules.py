"""Every rule field and operator, evaluated by the database (SQLite and PostgreSQL) exactly as a
marketer would read it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import make_contact
from tests.helpers.segments import names_matching as names


@pytest.fixture
def people(session):
    make_contact(
        session,
        email="ann@example.com",
        first_name="Ann",
        tags=["vip", "newsletter"],
        attributes={"plan": "pro", "city": "Paris", "renewal": "2026-03-01"},
        created_at=datetime(2025, 1, 10, tzinfo=UTC),
    )
    make_contact(
        session,
        email="bob@example.com",
        first_name="Bob",
        tags=["newsletter"],
        attributes={"plan": "free"},
        email_status="unsubscribed",
        created_at=datetime(2025, 6, 1, tzinfo=UTC),
    )
    make_contact(
        session,
        email="cy_100%@example.com",
        first_name="Cy",
        phone="+14155550101",
        sms_status="opted_out",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"field": "tag", "op": "is", "value": "vip"}, {"Ann"}),
        ({"field": "tag", "op": "is_not", "value": "vip"}, {"Bob", "Cy"}),
        ({"field": "tag", "op": "contains", "value": "news"}, {"Ann", "Bob"}),
        ({"field": "email", "op": "is", "value": "ANN@example.com"}, {"Ann"}),  # emails compare lowercase
        ({"field": "email", "op": "contains", "value": "100%"}, {"Cy"}),  # % is a character, not a wildcard
        ({"field": "email", "op": "contains", "value": "_"}, {"Cy"}),
        ({"field": "attributes.plan", "op": "is", "value": "pro"}, {"Ann"}),
        ({"field": "attributes.plan", "op": "is_not", "value": "pro"}, {"Bob", "Cy"}),  # no plan is "not pro"
        ({"field": "attributes.city", "op": "contains", "value": "par"}, {"Ann"}),
        ({"field": "attributes.renewal", "op": "before", "value": "2026-06-01"}, {"Ann"}),
        ({"field": "email_status", "op": "is", "value": "unsubscribed"}, {"Bob"}),
        ({"field": "sms_status", "op": "is_not", "value": "opted_out"}, {"Ann", "Bob"}),
        ({"field": "created_at", "op": "after", "value": "2025-03-01"}, {"Bob", "Cy"}),
        ({"field": "created_at", "op": "before", "value": "2025-03-01T00:00:00+00:00"}, {"Ann"}),
        ({"field": "phone", "op": "is", "value": "+14155550101"}, {"Cy"}),
    ],
)
def test_each_rule_selects_the_right_people(session, people, rule, expected):
    assert names(session, [rule]) == expected


def test_all_means_every_rule_and_any_means_one_of_them(session, people):
    rules = [
        {"field": "tag", "op": "is", "value": "newsletter"},
        {"field": "attributes.plan", "op": "is", "value": "free"},
    ]
    assert names(session, rules, "all") == {"Bob"}
    assert names(session, rules, "any") == {"Ann", "Bob"}


def test_no_rules_is_everyone(session, people):
    assert names(session, []) == {"Ann", "Bob", "Cy"}
