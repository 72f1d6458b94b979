"""Process-local Prometheus metrics of the worker: provider calls, messages, retries, queue depth.

Each worker process exports its own (`METRICS_PORT`, see `tasks/worker.py`): workers run on many
hosts, so no shared registry could hold them. What every process can read from the database
(campaign counters, events stored, dead letters, live workers) is exported by the web app's
`/metrics` instead (`api/metrics.py`).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

PROVIDER_REQUESTS = Counter(
    "campaign_provider_requests", "Requests made to a provider, by outcome.", ["provider", "outcome"]
)
PROVIDER_LATENCY = Histogram(
    "campaign_provider_request_seconds",
    "How long one provider request took.",
    ["provider"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
MESSAGES = Counter(
    "campaign_worker_messages", "Messages handed to a provider by this worker, by result.", ["channel", "result"]
)
QUEUE_DEPTH = Gauge("campaign_queue_depth", "Tasks waiting in the Huey queue.")
