"""Background work on Huey. `campaign_dashboard.tasks.huey` is what `huey_consumer` runs."""

from campaign_dashboard.tasks.queue import huey
from campaign_dashboard.tasks import dead_letters, mirroring, receiving, sending  # noqa: F401  (registers the tasks)

__all__ = ["huey"]
