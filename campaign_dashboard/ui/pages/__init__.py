"""One module per page; importing this package registers every page with Reflex."""

from campaign_dashboard.ui.pages import (  # noqa: F401 - imported for their @page registration
    contacts,
    email_campaigns,
    overview,
    segments,
    sms_campaigns,
    templates,
)
