"""Where answers to a campaign email go: Reply-To, List-Unsubscribe and Message-ID."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from campaign_dashboard.config import Settings
from campaign_dashboard.services.sending import email_headers


def test_with_an_inbound_domain_replies_and_the_mailto_are_routed_by_token():
    reply_to = email_headers.reply_to(
        token="tok123abc",
        inbound_domain="abc123.resend.app",
        campaign_reply_to="Shop Team <team@shop.example.com>",
        from_email="Shop <news@shop.example.com>",
    )
    assert reply_to == "Shop Team <reply+tok123abc@abc123.resend.app>"
    assert (
        email_headers.reply_to(
            token="t0k",
            inbound_domain="in.example.com",
            campaign_reply_to=None,
            from_email="Shop <news@shop.example.com>",
        )
        == "Shop <reply+t0k@in.example.com>"
    )
    assert (
        email_headers.list_unsubscribe(
            url="https://app.example.com/unsubscribe/x", token="tok123abc", inbound_domain="abc123.resend.app"
        )
        == "<https://app.example.com/unsubscribe/x>, <mailto:unsubscribe+tok123abc@abc123.resend.app>"
    )


def test_without_one_the_campaigns_reply_to_stays_and_only_the_one_click_url_is_listed():
    assert (
        email_headers.reply_to(
            token="t",
            inbound_domain=None,
            campaign_reply_to="team@shop.example.com",
            from_email="news@shop.example.com",
        )
        == "team@shop.example.com"
    )
    assert (
        email_headers.list_unsubscribe(url="https://app.example.com/unsubscribe/x", token="t", inbound_domain=None)
        == "<https://app.example.com/unsubscribe/x>"
    )


def test_the_message_id_uses_the_sending_domain_of_the_from_address():
    assert (
        email_headers.message_id(
            recipient_id=7, campaign_id=3, token="tok", from_email="Shop <news@Mail.Shop.example.com>"
        )
        == "<r7.c3.tok@mail.shop.example.com>"
    )


def test_the_inbound_domain_setting_is_normalised_and_nonsense_is_refused(tmp_path):
    assert (
        Settings(data_dir=tmp_path, resend_inbound_domain=" @ABC123.resend.app ").resend_inbound_domain
        == "abc123.resend.app"
    )
    assert Settings(data_dir=tmp_path, resend_inbound_domain="").resend_inbound_domain is None
    with pytest.raises(ValidationError, match="RESEND_INBOUND_DOMAIN"):
        Settings(data_dir=tmp_path, resend_inbound_domain="reply@in.example.com")
