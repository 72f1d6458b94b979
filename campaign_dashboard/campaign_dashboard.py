"""The Reflex app: the dashboard pages, with the REST API and webhooks on the same backend.

The theme is configured in rxconfig.py (RadixThemesPlugin); `App(theme=...)` is deprecated.
"""

import reflex as rx

from campaign_dashboard.api import create_api
from campaign_dashboard.ui import pages  # noqa: F401 - registers every page

app = rx.App(api_transformer=create_api())
