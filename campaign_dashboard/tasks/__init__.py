"""Background work on Huey. `campaign_dashboard.tasks.huey` is what `huey_consumer` runs."""

from campaign_dashboard.tasks import dead_letters, mirroring, receiving, sending, signups  # noqa: F401  (registers the tasks)
from campaign_dashboard.tasks.queue import huey

__all__ = ["huey"]
