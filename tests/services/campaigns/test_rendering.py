"""Personalisation: what a contact receives, and what happens when a template is wrong."""

from __future__ import annotations

import time

import pytest

from campaign_dashboard.models import Contact
from campaign_dashboard.services.campaigns import rendering
from campaign_dashboard.services.campaigns.rendering import RenderError
from campaign_dashboard.services.errors import ValidationFailed


def _contact(**fields) -> Contact:
    fields.setdefault("email", "ana@example.com")
    return Contact(**fields)


def test_contact_fields_and_attributes_are_variables():
    contact = _contact(
        first_name="Ana", last_name="Silva", phone="+351910000000", attributes={"city": "Porto", "plan": "pro"}
    )
    out = rendering.render_sms(
        body="{{ first_name }} {{ last_name }} {{ email }} {{ phone }} {{ city }} "
        "{{ attributes.plan }} {{ tags | join(',') }} {{ timezone }}",
        contact=contact,
        tags=["vip", "beta"],
    )
    assert out == "Ana Silva ana@example.com +351910000000 Porto pro vip,beta UTC"


def test_an_attribute_never_shadows_a_contact_field_or_an_extra():
    contact = _contact(first_name="Ana", attributes={"first_name": "Evil", "unsubscribe_url": "x"})
    out = rendering.render_sms(
        body="{{ first_name }} {{ unsubscribe_url }} {{ attributes.first_name }}",
        contact=contact,
        extra={"unsubscribe_url": "https://u/1"},
    )
    assert out == "Ana https://u/1 Evil"


def test_default_filter_covers_missing_and_empty_names():
    template = 'Hi {{ first_name | default("there") }}, {{ nickname | default("friend") }}'
    assert rendering.render_sms(body=template, contact=_contact(first_name="")) == "Hi there, friend"
    assert rendering.render_sms(body=template, contact=_contact(first_name="Ana")) == "Hi Ana, friend"


def test_a_missing_variable_fails_that_recipient_with_a_readable_reason():
    with pytest.raises(RenderError) as err:
        rendering.render_email(subject="Hi", html="<p>Your code: {{ coupon }}</p>", text=None, contact=_contact())
    assert err.value.code == "render_failed"
    assert "'coupon'" in err.value.message
    assert err.value.message.startswith("html:")


def test_one_bad_recipient_does_not_stop_the_others():
    compiled = rendering.compile_email(subject="Hi {{ first_name }}", html="<p>{{ city }}</p>", text=None)
    results = []
    for contact in [_contact(attributes={"city": "Porto"}), _contact(), _contact(attributes={"city": "Faro"})]:
        try:
            results.append(compiled.render(contact).html)
        except RenderError as exc:
            results.append(f"failed: {exc.message}")
    assert results[0] == "<p>Porto</p>"
    assert results[1].startswith("failed: html: line 1: 'city' is not set for this contact")
    assert results[2] == "<p>Faro</p>"


def test_html_is_escaped_but_subject_and_text_are_not():
    contact = _contact(first_name="<b>Tom & Jerry</b>")
    out = rendering.render_email(
        subject="Hi {{ first_name }}", html="<p>{{ first_name }}</p>", text="Hi {{ first_name }}", contact=contact
    )
    assert out.html == "<p>&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</p>"
    assert out.subject == "Hi <b>Tom & Jerry</b>"
    assert out.text == "Hi <b>Tom & Jerry</b>"


def test_subject_newlines_are_folded_into_one_line():
    out = rendering.render_email(
        subject="Hi\n{{ first_name }}\r\n!", html="<p>x</p>", text=None, contact=_contact(first_name="Ana")
    )
    assert out.subject == "Hi Ana !"


def test_text_part_is_derived_from_html_keeping_link_urls():
    html = (
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<h1>Hello {{ first_name }}</h1><p>See <a href='https://shop.example.com/sale?a=1&amp;b=2'>the sale</a>"
        " or <a href='https://example.com'>https://example.com</a>.<br>Bye</p>"
        "<ul><li>One</li><li>Two</li></ul><script>alert(1)</script>"
        "<p><a href='{{ unsubscribe_url }}'>Unsubscribe</a></p></body></html>"
    )
    out = rendering.render_email(
        subject="s",
        html=html,
        text=None,
        contact=_contact(first_name="Ana"),
        extra={"unsubscribe_url": "https://u.example.com/x"},
    )
    assert out.text == (
        "Hello Ana\n\n"
        "See the sale (https://shop.example.com/sale?a=1&b=2) or https://example.com.\nBye\n\n"
        "- One\n- Two\n\n"
        "Unsubscribe (https://u.example.com/x)"
    )


def test_given_text_part_is_used_as_is():
    out = rendering.render_email(
        subject="s", html="<p>html</p>", text="plain {{ first_name }}", contact=_contact(first_name="Ana")
    )
    assert out.text == "plain Ana"


def test_the_sandbox_refuses_python_internals():
    with pytest.raises(RenderError) as err:
        rendering.render_sms(body="{{ ''.__class__.__mro__[1].__subclasses__() }}", contact=_contact())
    assert "not allowed" in err.value.message


def test_runtime_errors_in_a_template_become_render_errors():
    with pytest.raises(RenderError):
        rendering.render_sms(body="{{ 1 / 0 }}", contact=_contact())


def test_syntax_errors_are_rejected_at_save_with_field_and_line():
    with pytest.raises(ValidationFailed) as err:
        rendering.validate_template("<p>ok</p>\n<p>{{ first_name }</p>", field="html", html=True)
    assert err.value.details[0]["field"] == "html"
    assert err.value.details[0]["line"] == 2
    assert "line 2" in err.value.message


def test_preview_uses_a_sample_contact_and_unsubscribe_link():
    out = rendering.preview(subject="For {{ first_name }}", html="<a href='{{ unsubscribe_url }}'>u</a>")
    assert out.subject == "For Jane"
    assert "unsubscribe" in out.html


def test_a_dict_contact_works_too():
    assert rendering.render_sms(body="{{ first_name }}", contact={"first_name": "Bo"}) == "Bo"


def test_compiling_once_makes_500_renders_fast():
    compiled = rendering.compile_email(
        subject="Hi {{ first_name | default('there') }}",
        html="<p>Hello {{ first_name }}</p>" + "<p>Body text with <a href='https://x.example.com'>a link</a></p>" * 20,
        text=None,
    )
    contacts = [_contact(first_name=f"N{i}", email=f"n{i}@example.com") for i in range(500)]
    started = time.perf_counter()
    rendered = [compiled.render(c, extra={"unsubscribe_url": "u"}) for c in contacts]
    assert rendered[499].subject == "Hi N499"
    assert time.perf_counter() - started < 2.0
    assert rendering.compile_email("Hi", "<p/>", None) is rendering.compile_email("Hi", "<p/>", None)


def test_a_stored_template_with_a_syntax_error_fails_at_send_time_as_a_render_error():
    with pytest.raises(RenderError) as err:
        rendering.compile_email(subject="Hi", html="<p>{% if x %}</p>", text=None)
    assert err.value.details[0]["field"] == "html"
