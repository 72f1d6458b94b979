"""Text rules ignore case on SQLite and PostgreSQL: `pt` finds the contacts whose CSV said `PT`,
and the saved count, the live count while editing and the snapshot's ids agree."""

from __future__ import annotations

import pytest

from campaign_dashboard.services.audience import segments
from campaign_dashboard.services.audience.segments import SegmentCreate
from tests.factories import make_contact
from tests.helpers.segments import names_matching


@pytest.fixture
def people(session):
    make_contact(session, first_name="Ana", last_name="Silva", attributes={"country": "PT", "city": "Lisboa"})
    make_contact(session, first_name="ANABELA", last_name="Costa", attributes={"country": "pt", "city": "PORTO"})
    make_contact(session, first_name="Bruno", last_name="SILVA", attributes={"country": "Pt"})
    make_contact(session, first_name="Chloé", last_name="Martin", attributes={"country": "FR", "city": "Paris"})
    make_contact(session, first_name="Dan", last_name="100%_Real")  # no attributes at all


def names(session, rules, match="all") -> set[str]:
    found = names_matching(session, rules, match)
    assert segments.preview_count(session=session, rules=rules, match=match) == len(found)
    return found


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"field": "attributes.country", "op": "is", "value": "pt"}, {"Ana", "ANABELA", "Bruno"}),
        ({"field": "attributes.country", "op": "is", "value": "PT"}, {"Ana", "ANABELA", "Bruno"}),
        ({"field": "attributes.country", "op": "is_not", "value": "pT"}, {"Chloé", "Dan"}),
        ({"field": "attributes.city", "op": "contains", "value": "por"}, {"ANABELA"}),
        ({"field": "attributes.city", "op": "contains", "value": "LIS"}, {"Ana"}),
        ({"field": "first_name", "op": "is", "value": "anabela"}, {"ANABELA"}),
        ({"field": "first_name", "op": "contains", "value": "ANA"}, {"Ana", "ANABELA"}),
        ({"field": "first_name", "op": "is_not", "value": "ana"}, {"ANABELA", "Bruno", "Chloé", "Dan"}),
        ({"field": "last_name", "op": "is", "value": "silva"}, {"Ana", "Bruno"}),
        ({"field": "last_name", "op": "contains", "value": "0%_r"}, {"Dan"}),  # % and _ are characters
        ({"field": "last_name", "op": "contains", "value": "0_%"}, set()),
    ],
)
def test_text_rules_ignore_case(session, people, rule, expected):
    assert names(session, [rule]) == expected


def test_a_saved_segment_counts_what_the_live_count_showed(session, people):
    rules = [{"field": "attributes.country", "op": "is", "value": "pt"}]
    live = segments.preview_count(session=session, rules=rules, match="all")
    saved = segments.create_segment(session=session, data=SegmentCreate(name="Portugal", kind="rules", rules=rules))
    assert live == 3
    assert segments.count_segment(session=session, segment_id=saved.id) == live
