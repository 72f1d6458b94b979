"""The Reflex app: the dashboard pages, with the REST API and webhooks on the same backend.

The theme is configured in rxconfig.py (RadixThemesPlugin); `App(theme=...)` is deprecated.
"""

import reflex as rx

from campaign_dashboard.api import create_api
from campaign_dashboard.config import get_settings
from campaign_dashboard.ui import pages  # noqa: F401 - each page module registers itself
from campaign_dashboard.ui.layout import PAGES, dashboard_page, not_found

# Read the settings now: a production configuration that cannot be run safely (a weak SECRET_KEY,
# a real provider without its webhook signing secret) stops the backend here, naming the variable.
get_settings()

# Reflex serves the page at route "404" for any unknown address: the app's own, in its frame.
dashboard_page(route="404", title="Page not found")(not_found)

# assets/phone.css: dialogs as full-screen sheets on a phone.
app = rx.App(api_transformer=create_api(), stylesheets=["/phone.css"])
for page in PAGES:
    app.add_page(**page)
