"""Finding contacts: the filters the contacts page offers (search, subscription status per
channel, tag), shared by its list, its count and the CSV export so all three agree."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func
from sqlmodel import Session, col, select

from campaign_dashboard.models import Contact, ContactTag, EmailStatus, SmsStatus
from campaign_dashboard.services.audience.contacts import ContactPage, matches_search, tags_of
from campaign_dashboard.services.audience.suppressions import normalize_email
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.pagination import page_of

EMAIL_STATUSES = tuple(s.value for s in EmailStatus)
SMS_STATUSES = tuple(s.value for s in SmsStatus)
_IN_CHUNK = 1000
# A search is counted this far and no further: a term most of a million contacts contain need not
# read them all to say "more than 10,000".
SEARCH_COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class ContactFilter:
    """Empty fields mean "any"."""

    search: str = ""
    email_status: str = ""
    sms_status: str = ""
    tag: str = ""

    def conditions(self, session: Session) -> list:
        """SQL conditions on `Contact` (a search asks `session`'s index how to narrow); an unknown
        status is refused rather than matching nobody."""
        found = []
        if self.search.strip():
            found.append(matches_search(session, self.search.strip()))
        if self.email_status:
            _check(self.email_status, EMAIL_STATUSES, "email_status")
            found.append(col(Contact.email_status) == self.email_status)
        if self.sms_status:
            _check(self.sms_status, SMS_STATUSES, "sms_status")
            found.append(col(Contact.sms_status) == self.sms_status)
        if self.tag.strip():
            tagged = select(col(ContactTag.contact_id)).where(
                col(ContactTag.contact_id) == Contact.id, col(ContactTag.tag) == self.tag.strip()
            )
            found.append(exists(tagged))
        return found


def find_contacts(
    *, session: Session, filters: ContactFilter, cursor: str | None = None, limit: int = 50
) -> ContactPage:
    """One page of the matching contacts in id order, with their tags."""
    query = select(Contact).where(*filters.conditions(session))
    page = page_of(session, query, id_column=col(Contact.id), cursor=cursor, limit=limit)
    return ContactPage(
        items=page.items,
        next_cursor=page.next_cursor,
        tags=tags_of(session=session, contact_ids=[c.id for c in page.items]),
    )


def count_contacts(*, session: Session, filters: ContactFilter) -> int:
    """How many contacts match; with a search, at most SEARCH_COUNT_LIMIT + 1 (read: more than
    the limit). Filters alone are counted exactly: their indexes make that cheap."""
    if not filters.search.strip():
        return session.scalar(select(func.count()).select_from(Contact).where(*filters.conditions(session))) or 0
    matching = select(col(Contact.id)).where(*filters.conditions(session)).limit(SEARCH_COUNT_LIMIT + 1)
    return session.scalar(select(func.count()).select_from(matching.subquery())) or 0


def all_tags(*, session: Session) -> list[str]:
    """Every tag in use, alphabetically: the choices of the tag filter."""
    return list(session.exec(select(col(ContactTag.tag)).distinct().order_by(col(ContactTag.tag))).all())


def ids_for_emails(*, session: Session, emails: list[str]) -> tuple[list[int], list[str]]:
    """Contact ids for pasted addresses (any case, in the order given, repeats once) and the
    addresses that are invalid or belong to no contact."""
    wanted: dict[str, str] = {}  # normalised -> as written
    unknown: list[str] = []
    for raw in emails:
        text = raw.strip()
        if not text:
            continue
        try:
            wanted.setdefault(normalize_email(text), text)
        except ValidationFailed:
            unknown.append(text)
    found: dict[str, int] = {}
    addresses = list(wanted)
    for start in range(0, len(addresses), _IN_CHUNK):
        chunk = addresses[start : start + _IN_CHUNK]
        rows = session.exec(select(col(Contact.email), col(Contact.id)).where(col(Contact.email).in_(chunk)))
        found.update((email, id_) for email, id_ in rows if email is not None and id_ is not None)
    unknown += [written for address, written in wanted.items() if address not in found]
    return [found[a] for a in addresses if a in found], unknown


def contacts_by_ids(*, session: Session, contact_ids: list[int]) -> list[Contact]:
    """The contacts of `contact_ids` in that order (a static segment's members as listed); ids of
    no contact are left out."""
    found = {c.id: c for c in session.exec(select(Contact).where(col(Contact.id).in_(contact_ids))).all()}
    return [found[i] for i in contact_ids if i in found]


def _check(value: str, allowed: tuple[str, ...], field: str) -> None:
    if value not in allowed:
        message = f"Unknown {field} {value!r}: use one of {', '.join(allowed)}."
        raise ValidationFailed(message, details=[{"field": field, "message": message}])
