"""`GET /metrics`: Prometheus text for the whole system, for an admin token or the scrape secret.

The numbers come from the database at scrape time (`services.system_metrics`), so any web replica
answers the same. Each worker exports its own process metrics (provider calls, latency, 429s,
queue depth) on `METRICS_PORT`: see `campaign_dashboard.metrics`.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from campaign_dashboard.api.deps import SessionDep
from campaign_dashboard.config import get_settings
from campaign_dashboard.models import Role
from campaign_dashboard.services.accounts.roles import require_role
from campaign_dashboard.services.accounts.tokens import authenticate_token
from campaign_dashboard.services.errors import AuthenticationFailed
from campaign_dashboard.services.operations.system_metrics import SystemSnapshot, snapshot

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request, session: SessionDep) -> Response:
    _authorize(request, session)
    settings = get_settings()
    data = snapshot(session=session, worker_timeout=timedelta(seconds=settings.worker_heartbeat_timeout_seconds))
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_SnapshotCollector(data))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def _authorize(request: Request, session) -> None:
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise AuthenticationFailed("Send 'Authorization: Bearer <admin API token or METRICS_SCRAPE_SECRET>'.")
    secret = get_settings().metrics_scrape_secret
    if secret and hmac.compare_digest(credential.encode(), secret.encode()):
        return
    require_role(authenticate_token(session=session, token=credential).role, Role.ADMIN)


class _SnapshotCollector:
    def __init__(self, data: SystemSnapshot) -> None:
        self.data = data

    def collect(self) -> Iterator[Metric]:
        d = self.data
        messages = CounterMetricFamily(
            "campaign_messages", "Campaign counters summed over every campaign.", labels=["channel", "counter"]
        )
        for channel, totals in d.totals.items():
            for counter, value in totals.items():
                messages.add_metric([channel, counter], value)
        yield messages
        campaigns = GaugeMetricFamily("campaign_campaigns", "Campaigns by status.", labels=["channel", "status"])
        for (channel, status), count in sorted(d.campaigns.items()):
            campaigns.add_metric([channel, status], count)
        yield campaigns
        events = CounterMetricFamily(
            "campaign_webhook_events_stored", "Provider events stored (applied once).", labels=["channel"]
        )
        for channel, count in d.events_stored.items():
            events.add_metric([channel], count)
        yield events
        letters = GaugeMetricFamily(
            "campaign_dead_letters", "Verified events parked as not applicable.", labels=["provider"]
        )
        for provider in ("resend", "twilio"):
            letters.add_metric([provider], d.dead_letters.get(provider, 0))
        yield letters
        yield GaugeMetricFamily("campaign_live_workers", "Workers with a recent heartbeat.", value=d.live_workers)
