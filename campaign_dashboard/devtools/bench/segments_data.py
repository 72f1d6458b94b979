"""The data `bench segments` counts behaviour segments on: N contacts, each sent every email and
SMS campaign (8 email and 2 SMS campaigns for 1,000,000 ledger rows over 100,000 contacts), with
opens, clicks, bounces and replies spread over contacts and campaigns like a healthy list. Every
table is filled by INSERT ... SELECT in the database, so a million ledger rows take seconds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, String, case, cast, func, insert, literal, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from campaign_dashboard.devtools.bench.database import RECIPIENT_COLUMNS, insert_contacts, insert_sent_emails
from campaign_dashboard.models import (
    CampaignStatus,
    Contact,
    EmailCampaign,
    EmailCampaignRecipient,
    InboundEmail,
    RecipientStatus,
    SentEmail,
    SmsCampaign,
    SmsCampaignRecipient,
    SmsEvent,
    id_of,
    table_of,
    utcnow,
)

EMAIL_SHARE = 0.8  # of the ledger rows; the rest are SMS
DAYS_APART = 7  # one campaign a week, the newest a week ago
# Email outcomes per 100 recipients (cumulative upper bounds); the rest: delivered, not opened.
EMAIL_OUTCOMES = (
    (2, RecipientStatus.BOUNCED),
    (3, RecipientStatus.FAILED),
    (25, RecipientStatus.OPENED),
    (33, RecipientStatus.CLICKED),
)
SMS_OUTCOMES = ((3, RecipientStatus.FAILED), (10, RecipientStatus.SENT))  # the rest: delivered
EMAIL_REPLY_EVERY = 97  # one sent email in 97 gets a reply
SMS_REPLY_EVERY = 50


@dataclass
class SegmentsData:
    contacts: int
    email_campaign_ids: list[int] = field(default_factory=list)
    sms_campaign_ids: list[int] = field(default_factory=list)
    ledger_rows: int = 0
    sent_emails: int = 0
    replies: int = 0


def campaign_counts(contacts: int, ledger_rows: int) -> tuple[int, int]:
    """(email, SMS) campaigns, each sent to every contact, making about `ledger_rows` rows."""
    campaigns = max(2, round(ledger_rows / contacts))
    email = max(1, round(campaigns * EMAIL_SHARE))
    return email, max(1, campaigns - email)


def build(engine: Engine, *, contacts: int, ledger_rows: int) -> SegmentsData:
    now = utcnow().replace(microsecond=0)
    insert_contacts(engine, contacts, created_at=now - timedelta(days=400))
    emails, texts = campaign_counts(contacts, ledger_rows)
    data = SegmentsData(contacts=contacts)
    with Session(engine) as session:
        for k in range(emails + texts):
            sent_at = now - timedelta(days=DAYS_APART * (emails + texts - k))
            name = f"Weekly {k + 1}"
            if k < emails:
                campaign: EmailCampaign | SmsCampaign = EmailCampaign(
                    name=name, status=CampaignStatus.SENT, subject=name, started_at=sent_at
                )
            else:
                campaign = SmsCampaign(name=name, status=CampaignStatus.SENT, body=name, started_at=sent_at)
            session.add(campaign)
            session.flush()
            conn = session.connection()
            if k < emails:
                data.email_campaign_ids.append(id_of(campaign))
                _email_campaign(conn, id_of(campaign), k, sent_at)
            else:
                data.sms_campaign_ids.append(id_of(campaign))
                _sms_campaign(conn, id_of(campaign), k, sent_at)
        session.commit()
        for model in (EmailCampaignRecipient, SmsCampaignRecipient):
            data.ledger_rows += session.scalar(select(func.count()).select_from(model)) or 0
        data.sent_emails = session.scalar(select(func.count()).select_from(SentEmail)) or 0
        data.replies = session.scalar(select(func.count()).select_from(InboundEmail)) or 0
        data.replies += session.scalar(select(func.count()).select_from(SmsEvent)) or 0
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "postgresql":  # what autovacuum does to new rows within a minute
            conn.exec_driver_sql("VACUUM ANALYZE")
    return data


def _outcome(k: int, outcomes) -> ColumnElement[str]:
    """A status per contact and campaign: (contact id * 37 + campaign * 11) % 100 in `outcomes`."""
    spread = (table_of(Contact).c.id * 37 + k * 11) % 100
    default = RecipientStatus.DELIVERED.value
    return case(*[(spread < bound, literal(status.value)) for bound, status in outcomes], else_=literal(default))


def _at(moment: datetime) -> ColumnElement[datetime]:
    return literal(moment, type_=table_of(SentEmail).c.sent_at.type)


def _email_campaign(conn, campaign_id: int, k: int, sent_at: datetime) -> None:
    """The ledger, one sent email per accepted recipient (opens an hour later, one in ten opened
    again five days later, clicks two hours later), and replies to one in 97."""
    contacts = table_of(Contact)
    key = literal(f"bench-e{campaign_id}-") + cast(contacts.c.id, String)
    conn.execute(
        insert(EmailCampaignRecipient).from_select(
            list(RECIPIENT_COLUMNS),
            select(
                literal(campaign_id),
                contacts.c.id,
                contacts.c.email,
                _outcome(k, EMAIL_OUTCOMES),
                literal(1),
                key,
                _at(sent_at),
                _at(sent_at),
            ),
        )
    )
    r = table_of(EmailCampaignRecipient)
    opened = r.c.status.in_([RecipientStatus.OPENED.value, RecipientStatus.CLICKED.value])
    clicked = r.c.status == RecipientStatus.CLICKED.value
    first_open, first_click = _at(sent_at + timedelta(hours=1)), _at(sent_at + timedelta(hours=2))
    last_open = case((r.c.id % 10 == 0, _at(sent_at + timedelta(days=5))), else_=first_click)
    insert_sent_emails(
        conn,
        r.c.campaign_id == campaign_id,
        r.c.status != RecipientStatus.FAILED.value,
        subject="Weekly",
        first_opened_at=case((opened, first_open), else_=None),
        first_clicked_at=case((clicked, first_click), else_=None),
        last_engaged_at=case((opened, last_open), else_=None),
        last_clicked_at=case((clicked, first_click), else_=None),
    )
    s = table_of(SentEmail)
    conn.execute(
        insert(InboundEmail).from_select(
            ["provider_id", "sent_email_id", "campaign_id", "contact_id", "from_address"]
            + ["to_address", "subject", "text", "html", "received_at"],
            select(
                literal("bench-in-") + cast(s.c.id, String),
                s.c.id,
                s.c.campaign_id,
                s.c.contact_id,
                s.c.to_address,
                literal(""),
                literal("Re: Weekly"),
                literal("Thanks!"),
                literal(""),
                _at(sent_at + timedelta(hours=3)),
            ).where(s.c.campaign_id == campaign_id, s.c.id % EMAIL_REPLY_EVERY == 0),
        )
    )


def _sms_campaign(conn, campaign_id: int, k: int, sent_at: datetime) -> None:
    """The ledger and a plain reply from one in 50 recipients the text reached."""
    contacts = table_of(Contact)
    conn.execute(
        insert(SmsCampaignRecipient).from_select(
            ["campaign_id", "contact_id", "address", "status", "attempts", "segments"]
            + ["provider_message_id", "sent_at", "updated_at"],
            select(
                literal(campaign_id),
                contacts.c.id,
                contacts.c.phone,
                _outcome(k, SMS_OUTCOMES),
                literal(1),
                literal(1),
                literal(f"SMbench{campaign_id}x") + cast(contacts.c.id, String),
                _at(sent_at),
                _at(sent_at),
            ),
        )
    )
    r = table_of(SmsCampaignRecipient)
    conn.execute(
        insert(SmsEvent).from_select(
            ["provider_event_id", "type", "campaign_id", "recipient_id", "provider_message_id"]
            + ["payload", "occurred_at", "received_at"],
            select(
                literal("SMbenchin") + cast(r.c.id, String),
                literal("inbound"),
                r.c.campaign_id,
                r.c.id,
                literal("SMbenchin") + cast(r.c.id, String),
                literal({}, type_=table_of(SmsEvent).c.payload.type),
                _at(sent_at + timedelta(hours=1)),
                _at(sent_at + timedelta(hours=1)),
            ).where(
                r.c.campaign_id == campaign_id,
                r.c.status != RecipientStatus.FAILED.value,
                r.c.id % SMS_REPLY_EVERY == 0,
            ),
        )
    )
