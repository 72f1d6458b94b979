"""Sending: effectively-once delivery of a started campaign to its recipients.

Owns the recipient ledger (claim, lease, release, recovery), the audience snapshot taken at
start (`audience_snapshot`), composing provider messages and their headers (`email_headers`),
throttling, retries and writing results. The worker calls `sending.process_batch(...)`.
"""

from campaign_dashboard.services.sending.pipeline import (
    CHUNK,
    MAX_ATTEMPTS_PER_CHUNK,
    CampaignStopped,
    LeaseLost,
    Outcome,
    SendDeps,
    claim_batch,
    earliest_deferred,
    fail_campaign,
    next_step,
    process_batch,
    recover_expired_claims,
    reply_token,
    resend_bucket,
)

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
]
