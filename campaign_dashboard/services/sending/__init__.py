"""Sending: effectively-once delivery of a started campaign to its recipients, on an
at-least-once queue.

The recipients table is the ledger (`ledger`: claim, lease, release, crash recovery); the audience
is snapshotted into it at start (`audience_snapshot`). A claimed batch is sent chunk by chunk
(`batches`, which also says what comes next for the campaign) with messages composed by `compose`
(headers and reply addresses: `email_headers`), paced, retried, deferred or given up on by
`throttle`, and each chunk's outcome written by `results`. Pause, cancel and failure are re-read
between chunks and after every wait, so they stop everything not yet handed to the provider.
The worker calls `sending.claim_batch(...)` and `sending.process_batch(...)`; its scheduler tick
starts due campaigns, finds sending ones and decides A/B tests whose wait is over through
`scheduling`; `ab_split` says who tests which variant.
"""

from campaign_dashboard.services.sending.batches import (
    Outcome,
    SendDeps,
    earliest_deferred,
    next_step,
    process_batch,
)
from campaign_dashboard.services.sending.compose import reply_token
from campaign_dashboard.services.sending.ledger import CHUNK, LeaseLost, claim_batch, recover_expired_claims
from campaign_dashboard.services.sending.results import fail_campaign
from campaign_dashboard.services.sending.scheduling import decide_ab_tests, due_to_start, sending_campaigns, start_due
from campaign_dashboard.services.sending.throttle import MAX_ATTEMPTS_PER_CHUNK, CampaignStopped, resend_bucket

__all__ = [
    "CHUNK",
    "MAX_ATTEMPTS_PER_CHUNK",
    "SendDeps",
    "Outcome",
    "claim_batch",
    "recover_expired_claims",
    "process_batch",
    "CampaignStopped",
    "next_step",
    "earliest_deferred",
    "fail_campaign",
    "resend_bucket",
    "reply_token",
    "LeaseLost",
    "due_to_start",
    "sending_campaigns",
    "start_due",
    "decide_ab_tests",
]
