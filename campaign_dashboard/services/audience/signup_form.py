"""The embeddable sign-up form: the HTML a site owner pastes into their page (shown per topic on
the Topics page) and that `/signup/form` serves as a ready page.

A plain form that POSTs to `<PUBLIC_BASE_URL>/signup`: no script, so it works on any page and
with JavaScript off. The honeypot (`website`) is hidden from people and screen readers; a bot that
fills every field gives itself away. The SMS consent wording is posted with the form, so the
wording the person saw is what the consent ledger keeps.
"""

from __future__ import annotations

from html import escape

from campaign_dashboard.services.audience.signups import DEFAULT_SMS_CONSENT_TEXT

HONEYPOT = "website"


def signup_form_html(*, base_url: str, topic_id: int | None = None, topic_name: str = "", sms: bool = True) -> str:
    """The form's HTML, every value escaped; `topic_id` signs up for that topic."""
    action = escape(f"{base_url.rstrip('/')}/signup")
    title = f"Subscribe to {topic_name}" if topic_name else "Subscribe"
    topic = f'\n  <input type="hidden" name="topic_ids" value="{int(topic_id)}">' if topic_id else ""
    sms_part = (
        '\n  <label for="cd-signup-phone">Mobile phone (optional)</label>'
        '\n  <input id="cd-signup-phone" name="phone" type="tel" autocomplete="tel">'
        '\n  <label><input name="sms_consent" type="checkbox" value="1"> '
        f"{escape(DEFAULT_SMS_CONSENT_TEXT)}</label>"
        f'\n  <input type="hidden" name="sms_consent_text" value="{escape(DEFAULT_SMS_CONSENT_TEXT)}">'
        if sms
        else ""
    )
    return (
        f'<form method="post" action="{action}" class="cd-signup">'
        f"\n  <h2>{escape(title)}</h2>"
        '\n  <label for="cd-signup-email">Email</label>'
        '\n  <input id="cd-signup-email" name="email" type="email" autocomplete="email" required>'
        '\n  <label for="cd-signup-name">First name</label>'
        '\n  <input id="cd-signup-name" name="first_name" type="text" autocomplete="given-name">'
        f"{sms_part}{topic}"
        f'\n  <div style="position:absolute;left:-10000px" aria-hidden="true">'
        f'<input name="{HONEYPOT}" type="text" tabindex="-1" autocomplete="off"></div>'
        '\n  <button type="submit">Subscribe</button>'
        "\n</form>"
    )
