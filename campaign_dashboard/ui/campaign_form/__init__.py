"""The create / edit dialog of a campaign: its state (`state`), its components (`view`), and what
they use: the fixed choices (`choices`), the live preview and counters (`live`), the test send
(`sample`). Lifecycle rules are not here: saving goes through `services.campaigns.commands`.
"""

from campaign_dashboard.ui.campaign_form.state import CampaignFormState
from campaign_dashboard.ui.campaign_form.view import CreateEmailCampaignDialog, CreateSmsCampaignDialog

__all__ = ["CampaignFormState", "CreateEmailCampaignDialog", "CreateSmsCampaignDialog"]
