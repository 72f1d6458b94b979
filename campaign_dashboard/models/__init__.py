"""SQLModel tables. Importing this package registers every table on `SQLModel.metadata`."""

from campaign_dashboard.models.ab_tests import AbTest
from campaign_dashboard.models.audit import AuditEntry
from campaign_dashboard.models.auth import ApiToken, User, UserSession
from campaign_dashboard.models.campaigns import (
    COUNTER_FIELDS,
    CampaignFields,
    EmailCampaign,
    EmailCampaignRecipient,
    RecipientFields,
    SmsCampaign,
    SmsCampaignRecipient,
)
from campaign_dashboard.models.consent import ConsentEntry
from campaign_dashboard.models.contacts import Contact, ContactTag, Suppression
from campaign_dashboard.models.enums import (
    UNSENT_STATUSES,
    BreakerState,
    CampaignStatus,
    Channel,
    EmailStatus,
    RecipientStatus,
    Role,
    SmsStatus,
)
from campaign_dashboard.models.ratelimit import RateLimitBucket
from campaign_dashboard.models.segments import Segment, SegmentContact
from campaign_dashboard.models.signups import PendingSignup
from campaign_dashboard.models.templates import EmailTemplate
from campaign_dashboard.models.topics import Topic, TopicOptOut
from campaign_dashboard.models.tracking import (
    CampaignStatsMinute,
    DeadLetterEvent,
    EmailEvent,
    FailedInboundEmail,
    InboundEmail,
    SentEmail,
    SmsEvent,
)
from campaign_dashboard.models.types import id_of, table_of, utcnow
from campaign_dashboard.models.workers import WorkerHeartbeat

__all__ = [
    "AbTest",
    "COUNTER_FIELDS",
    "UNSENT_STATUSES",
    "ApiToken",
    "AuditEntry",
    "BreakerState",
    "CampaignFields",
    "CampaignStatsMinute",
    "CampaignStatus",
    "Channel",
    "ConsentEntry",
    "Contact",
    "ContactTag",
    "DeadLetterEvent",
    "EmailCampaign",
    "EmailCampaignRecipient",
    "EmailEvent",
    "Segment",
    "SegmentContact",
    "EmailStatus",
    "EmailTemplate",
    "FailedInboundEmail",
    "InboundEmail",
    "PendingSignup",
    "RateLimitBucket",
    "RecipientFields",
    "RecipientStatus",
    "Role",
    "SentEmail",
    "SmsCampaign",
    "SmsCampaignRecipient",
    "SmsEvent",
    "SmsStatus",
    "Suppression",
    "Topic",
    "TopicOptOut",
    "User",
    "UserSession",
    "WorkerHeartbeat",
    "id_of",
    "table_of",
    "utcnow",
]
