"""Contacts: the people campaigns go to, with normalised addresses, tags and subscriptions.

Every address is stored in the one canonical form (`suppressions.normalize_email`/`normalize_phone`)
so duplicates, suppressions and segment rules compare like with like.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, delete, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from campaign_dashboard.models import Channel, Contact, ContactTag, EmailStatus, id_of, utcnow
from campaign_dashboard.services.audience import consent, consent_rules, search_index
from campaign_dashboard.services.audience.consent import ConsentEvent, ConsentSource
from campaign_dashboard.services.audience.suppressions import (
    DEFAULT_PHONE_REGION,
    normalize_email,
    normalize_phone,
)
from campaign_dashboard.services.errors import Conflict, ValidationFailed
from campaign_dashboard.services.limits import (
    MAX_ATTRIBUTES_BYTES,
    MAX_CONTACT_ATTRIBUTES,
    MAX_CONTACT_TAGS,
    check_single_line,
    json_size,
)
from campaign_dashboard.services.pagination import Page, page_of
from campaign_dashboard.services.rows import get_row, grouped

MAX_TAG_LENGTH = 100
MAX_NAME_LENGTH = 200


class ContactCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str | None = None
    phone: str | None = None
    first_name: str = ""
    last_name: str = ""
    timezone: str = "UTC"
    attributes: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)


class ContactUpdate(BaseModel):
    """Only the fields sent are changed; `tags` and `attributes` replace the stored ones."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    timezone: str | None = None
    attributes: dict[str, Any] | None = None
    tags: list[str] | None = None


@dataclass(frozen=True)
class ContactPage(Page[Contact]):
    tags: dict[int, list[str]] = field(default_factory=dict)


# -- field rules, shared with CSV import --------------------------------------------------------


def clean_timezone(value: str | None, *, field: str = "timezone") -> str:
    """A valid IANA zone name (`Europe/Paris`); empty means UTC."""
    name = (value or "").strip()
    if not name:
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _invalid(field, f"Unknown timezone {name!r}: use an IANA name like 'Europe/Paris'.") from None
    return name


def clean_tags(values: Iterable[str], *, field: str = "tags") -> list[str]:
    """Tags trimmed, without blanks or repeats, in the order given."""
    tags: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise _invalid(field, f"Tags must be text, got {value!r}.")
        tag = value.strip()
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise _invalid(field, f"Tag {tag[:20]!r}... is longer than {MAX_TAG_LENGTH} characters.")
        if len(tags) == MAX_CONTACT_TAGS:
            raise _invalid(field, f"A contact has at most {MAX_CONTACT_TAGS} tags.")
        tags.append(tag)
    return tags


def clean_attributes(value: dict[str, Any], *, field: str = "attributes") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _invalid(field, "Attributes must be an object of key/value pairs.")
    if len(value) > MAX_CONTACT_ATTRIBUTES:
        raise _invalid(field, f"A contact has at most {MAX_CONTACT_ATTRIBUTES} attributes, got {len(value)}.")
    size = json_size(value)
    if size > MAX_ATTRIBUTES_BYTES:
        raise _invalid(field, f"Attributes take at most {MAX_ATTRIBUTES_BYTES:,} bytes as JSON, got {size:,}.")
    cleaned: dict[str, Any] = {}
    for key, item in value.items():
        name = str(key).strip()
        if not name or len(name) > 100:
            raise _invalid(field, f"Attribute names must be 1-100 characters, got {key!r}.")
        cleaned[name] = item
    return cleaned


def clean_name(value: str | None, *, field: str) -> str:
    name = (value or "").strip()
    if len(name) > MAX_NAME_LENGTH:
        raise _invalid(field, f"{field} is longer than {MAX_NAME_LENGTH} characters.")
    check_single_line(field, name)  # names go into the To: header
    return name


# -- CRUD ---------------------------------------------------------------------------------------


def create_contact(
    *, session: Session, data: ContactCreate, source: ConsentSource, region: str = DEFAULT_PHONE_REGION
) -> Contact:
    """Create a contact; it needs an email or a phone, and the email must be new.

    Each address it has opts in (a ledger entry from `source`), unless the address is suppressed:
    then the contact starts unsubscribed on that channel (adding a contact never resubscribes)."""
    fields, errors = _collect(data.model_dump(), region=region)
    if errors:
        raise _failed(errors)
    if not fields.get("email") and not fields.get("phone"):
        raise _invalid("email", "A contact needs an email address or a phone number.")
    tags = fields.pop("tags")
    _ensure_email_free(session, fields.get("email"), contact_id=None)
    contact = Contact(**fields)
    for channel, address in addresses_of(contact):
        kept = consent_rules.kept_statuses(session=session, channel=channel, addresses={address})
        setattr(contact, f"{channel}_status", kept.get(address, getattr(contact, f"{channel}_status")))
    session.add(contact)
    _flush_or_conflict(session, fields.get("email"))
    _set_tags(session, id_of(contact), tags)
    for channel, address in addresses_of(contact):
        if getattr(contact, f"{channel}_status") == EmailStatus.SUBSCRIBED:  # the same word for SMS
            consent.record(
                session=session,
                contact_id=contact.id,
                channel=channel,
                address=address,
                event=ConsentEvent.OPTED_IN,
                source=source,
            )
    session.commit()
    return contact


def get_contact(*, session: Session, contact_id: int) -> Contact:
    return get_row(session, Contact, contact_id, "Contact")


def find_contact_by_email(*, session: Session, email: str) -> Contact | None:
    try:
        email = normalize_email(email)
    except ValidationFailed:
        return None
    return session.exec(select(Contact).where(col(Contact.email) == email)).first()


def update_contact(
    *, session: Session, contact_id: int, data: ContactUpdate, region: str = DEFAULT_PHONE_REGION
) -> Contact:
    """Change the fields present in `data`; an explicit null removes an email or phone. A changed
    address that opted out, or was erased, keeps the contact unsubscribed on its channel."""
    contact = get_contact(session=session, contact_id=contact_id)
    sent = data.model_dump(include=data.model_fields_set)
    for key in ("first_name", "last_name", "timezone", "attributes", "tags"):
        if key in sent and sent[key] is None:
            raise _invalid(key, f"{key} cannot be null.")
    fields, errors = _collect(sent, region=region)
    if errors:
        raise _failed(errors)
    email = fields.get("email", contact.email)
    phone = fields.get("phone", contact.phone)
    if not email and not phone:
        raise _invalid("email", "A contact needs an email address or a phone number.")
    tags = fields.pop("tags", None)
    if "email" in fields and email != contact.email:
        _ensure_email_free(session, email, contact_id=contact.id)
    before = dict(addresses_of(contact))
    for key, value in fields.items():
        setattr(contact, key, value)
    for channel, address in addresses_of(contact):  # a new address keeps its opt-out (or erasure)
        if address != before.get(channel):
            kept = consent_rules.kept_statuses(session=session, channel=channel, addresses={address})
            setattr(contact, f"{channel}_status", kept.get(address, getattr(contact, f"{channel}_status")))
    contact.updated_at = utcnow()
    session.add(contact)
    _flush_or_conflict(session, email)
    if tags is not None:
        _set_tags(session, id_of(contact), tags)
    session.commit()
    return contact


def delete_contact(*, session: Session, contact_id: int) -> None:
    """Delete the contact and its tags; its suppressions stay, so re-adding it cannot resubscribe it."""
    contact = get_contact(session=session, contact_id=contact_id)
    session.execute(delete(ContactTag).where(col(ContactTag.contact_id) == contact.id))
    session.delete(contact)
    session.commit()


def list_contacts(
    *, session: Session, cursor: str | None = None, limit: int = 50, search: str | None = None
) -> ContactPage:
    """One page of contacts in id order, optionally filtered by `search`, with their tags."""
    query = select(Contact)
    if search and search.strip():
        query = query.where(matches_search(session, search.strip()))
    page = page_of(session, query, id_column=col(Contact.id), cursor=cursor, limit=limit)
    return ContactPage(
        items=page.items,
        next_cursor=page.next_cursor,
        tags=tags_of(session=session, contact_ids=[c.id for c in page.items]),
    )


def tags_of(*, session: Session, contact_ids: list[int]) -> dict[int, list[str]]:
    """Tags per contact id (sorted), in one query."""
    return grouped(session, col(ContactTag.contact_id), col(ContactTag.tag), contact_ids)


# -- helpers ------------------------------------------------------------------------------------


def _collect(values: dict[str, Any], *, region: str) -> tuple[dict[str, Any], list[dict]]:
    """Normalise each present field; gather every problem instead of stopping at the first."""
    fields: dict[str, Any] = {}
    errors: list[dict] = []

    def run(name: str, fn, *args, **kwargs) -> None:
        try:
            fields[name] = fn(*args, **kwargs)
        except ValidationFailed as exc:
            errors.extend(exc.details)

    if "email" in values:
        raw = (values["email"] or "").strip()
        if raw:
            run("email", normalize_email, raw)
        else:
            fields["email"] = None
    if "phone" in values:
        raw = (values["phone"] or "").strip()
        if raw:
            run("phone", normalize_phone, raw, region=region)
        else:
            fields["phone"] = None
    for name in ("first_name", "last_name"):
        if name in values:
            run(name, clean_name, values[name], field=name)
    if "timezone" in values:
        run("timezone", clean_timezone, values["timezone"])
    if "attributes" in values:
        run("attributes", clean_attributes, values["attributes"])
    if "tags" in values:
        run("tags", clean_tags, values["tags"])
    return fields, errors


def matches_search(session: Session, term: str):
    """Case-insensitive "contains" over email, first/last/full name and phone, narrowed first by
    the trigram index (`search_index`), which finds every contact this matches and a few more.
    A term of one or two characters finds the emails and names that start with it instead
    (`search_index.starts_with`): a "contains" that short matches most contacts, or reads them all."""
    if len(term) < search_index.TRIGRAM:
        return search_index.starts_with(session, term)
    digits = _typed_phone_digits(term)
    narrowed = search_index.candidates(session, term, digits)
    meaning = contains_term(term, digits)
    return meaning if narrowed is None else and_(narrowed, meaning)


def contains_term(term: str, digits: str | None = None):
    """What a search of three or more characters means, without the index: what `matches_search`
    must find exactly.
    `digits` are the term's typed phone digits, when the caller has them already."""
    full_name = col(Contact.first_name) + " " + col(Contact.last_name)
    clauses = [
        col(Contact.email).icontains(term, autoescape=True),
        col(Contact.first_name).icontains(term, autoescape=True),
        col(Contact.last_name).icontains(term, autoescape=True),
        full_name.icontains(term, autoescape=True),
        col(Contact.phone).contains(term, autoescape=True),
    ]
    digits = _typed_phone_digits(term) if digits is None else digits
    if digits:
        clauses.append(col(Contact.phone).contains(digits, autoescape=True))
    return or_(*clauses)


def _typed_phone_digits(term: str) -> str:
    """The digits of a phone number typed with punctuation: "(415) 555" finds +1415555..."""
    digits = "".join(ch for ch in term if ch.isdigit())
    return digits if len(digits) >= 3 and digits != term else ""


def _set_tags(session: Session, contact_id: int, tags: list[str]) -> None:
    session.execute(delete(ContactTag).where(col(ContactTag.contact_id) == contact_id))
    session.add_all(ContactTag(contact_id=contact_id, tag=tag) for tag in tags)
    session.flush()


def _ensure_email_free(session: Session, email: str | None, *, contact_id: int | None) -> None:
    if not email:
        return
    query = select(col(Contact.id)).where(col(Contact.email) == email)
    existing = session.exec(query).first()
    if existing is not None and existing != contact_id:
        raise _conflict_email(email, existing)


def _flush_or_conflict(session: Session, email: str | None) -> None:
    """Flush; a concurrent insert of the same email becomes the same Conflict as the pre-check."""
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise _conflict_email(email, None) from None


def _conflict_email(email: str | None, existing_id: int | None) -> Conflict:
    which = f" (contact {existing_id})" if existing_id is not None else ""
    message = f"A contact with email {email} already exists{which}."
    return Conflict(message, details=[{"field": "email", "message": message}])


def addresses_of(contact: Contact) -> list[tuple[Channel, str]]:
    """The contact's (channel, address) pairs, for the channels it has an address on."""
    pairs = [(Channel.EMAIL, contact.email), (Channel.SMS, contact.phone)]
    return [(channel, address) for channel, address in pairs if address]


def address_for(contact: Contact, channel: Channel) -> str:
    """The contact's address on `channel`, or ValidationFailed naming the missing one."""
    address = contact.email if channel is Channel.EMAIL else contact.phone
    if not address:
        what = "email address" if channel is Channel.EMAIL else "phone number"
        raise _invalid("channel", f"Contact {contact.id} has no {what}.")
    return address


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": field, "message": message}])


def _failed(errors: list[dict]) -> ValidationFailed:
    if len(errors) == 1:
        return ValidationFailed(errors[0]["message"], details=errors)
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return ValidationFailed(f"{len(errors)} problems: {summary}", details=errors)
