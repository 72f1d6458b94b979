"""Keyset pages: walking a list while rows are added neither skips nor repeats a row."""

import pytest
from sqlmodel import select

from campaign_dashboard.models import EmailTemplate
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.pagination import page_of


def _add(session, names):
    session.add_all([EmailTemplate(name=n, subject="s", html="<p>x</p>") for n in names])
    session.commit()


@pytest.mark.parametrize("newest_first", [False, True])
def test_walking_pages_while_rows_are_added_sees_each_original_row_once(session, newest_first):
    _add(session, [f"t{i}" for i in range(7)])
    original = {t.id for t in session.exec(select(EmailTemplate)).all()}
    seen, cursor = [], None
    while True:
        page = page_of(
            session,
            select(EmailTemplate),
            id_column=EmailTemplate.id,
            cursor=cursor,
            limit=3,
            newest_first=newest_first,
        )
        seen += [t.id for t in page.items]
        _add(session, [f"new-after-{len(seen)}"])  # a row appears between page loads
        if not (cursor := page.next_cursor):
            break
    assert len(seen) == len(set(seen))
    assert original <= set(seen)
    assert seen == sorted(seen, reverse=newest_first)


def test_a_forged_cursor_or_a_silly_limit_is_refused(session):
    with pytest.raises(ValidationFailed, match="cursor"):
        page_of(session, select(EmailTemplate), id_column=EmailTemplate.id, cursor="not-a-cursor")
    with pytest.raises(ValidationFailed, match="limit"):
        page_of(session, select(EmailTemplate), id_column=EmailTemplate.id, limit=0)
