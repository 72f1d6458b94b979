"""One module per page (the email and SMS lists share one); importing this package registers them."""

from campaign_dashboard.ui.pages import (  # noqa: F401 - imported for their `dashboard_page` registration
    account,
    audit_log,
    campaign_detail,
    campaigns,
    contact_detail,
    contacts,
    login,
    overview,
    segment_editor,
    segments,
    settings,
    suppressions,
    template_editor,
    templates,
    topics,
)
