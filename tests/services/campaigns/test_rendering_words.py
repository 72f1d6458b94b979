"""Template errors a marketer can act on (what is wrong, on which line, with a piece of it), and
contact attributes usable under their own names."""

from __future__ import annotations

import pytest

from campaign_dashboard.models import Contact
from campaign_dashboard.services.campaigns import rendering
from campaign_dashboard.services.campaigns.render_limits import RenderLimits
from campaign_dashboard.services.campaigns.rendering import RenderError
from campaign_dashboard.services.errors import ValidationFailed


def refused(source: str, *, field: str = "html") -> ValidationFailed:
    with pytest.raises(ValidationFailed) as err:
        rendering.validate_template(source, field=field, html=field == "html")
    assert err.value.details[0]["field"] == field
    assert err.value.message.startswith(f"{field}: ")
    return err.value


# --- syntax errors, when saving ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message", "line"),
    [
        (
            "<p>Hi</p>\n<p>Dear</p>\n<p>{{ name! }}</p>",
            "line 3, column 11: unexpected '!' in {{ name! }}: a variable name may contain only letters, digits and _",
            3,
        ),
        ("<p>ok</p>\n<h1>Welcome {{ first_name </h1>", "line 2: {{ is never closed with }} in {{ first_name </h1>", 2),
        (
            "<p>ok</p>\n<p>{{ first_name }</p>",
            "line 2: unexpected '}' in {{ first_name }</p>: a variable is closed with two braces, }}",
            2,
        ),
        ("<p>a</p>\n{% if vip %}\n<p>Hello</p>", "line 2, column 1: {% if %} is never closed in {% if vip %}", 2),
        ("<p>{% iff vip %}x{% endif %}</p>", "line 1: unknown tag {% iff %} in {% iff vip %}; did you mean 'if'?", 1),
        (
            "\n<p>{{ first_name | uper }}</p>",
            "line 2: unknown filter 'uper' in {{ first_name | uper }}; did you mean 'upper'?",
            2,
        ),
        (
            "<p>{{ 'unfinished }}</p>",
            "line 1, column 7: unexpected ''' in {{ 'unfinished }}: a text in quotes is not closed",
            1,
        ),
        (
            "<p>{{ first_name last_name }}</p>",
            "line 1: unexpected 'last_name' in {{ first_name last_name }} where }} was expected",
            1,
        ),
    ],
)
def test_syntax_errors_say_what_and_where(source, message, line):
    error = refused(source)
    assert message in error.message
    assert error.details[0]["line"] == line
    assert message in error.details[0]["message"]


def test_a_closing_tag_of_the_wrong_block_names_the_open_one():
    error = refused("{% if vip %}\n{% for t in tags %}{{ t }}{% endif %}")
    assert "{% endif %} does not match the open {% for %}" in error.message
    assert "close it with {% endfor %} first" in error.message


def test_a_long_line_is_cut_to_the_tag_in_question():
    error = refused("<p>" + "lorem ipsum " * 40 + "{{ first_name! }}" + " dolor" * 40 + "</p>")
    assert "in {{ first_name! }}:" in error.message
    assert "lorem" not in error.message


def test_a_stored_template_with_a_syntax_error_fails_its_sends_in_words():
    with pytest.raises(RenderError) as err:
        rendering.compile_email(subject="Hi {{ first_name", html="<p/>", text=None)
    assert err.value.message == "subject: line 1, column 4: {{ is never closed with }} in {{ first_name"
    assert err.value.details[0] == {
        "field": "subject",
        "line": 1,
        "column": 4,
        "message": "line 1, column 4: {{ is never closed with }} in {{ first_name",
    }


# --- unknown variables ---------------------------------------------------------------------------


def test_a_misspelt_field_is_refused_at_save_with_a_suggestion():
    error = refused("<p>Hello</p>\n<p>Hi {{ frist_name | default('there') }}</p>")
    assert "line 2: 'frist_name' is not a contact field in {{ frist_name | default('there') }}" in error.message
    assert "did you mean 'first_name'?" in error.message
    assert error.details[0]["line"] == 2


def test_a_misspelt_field_fails_a_real_contact_with_a_suggestion():
    contact = Contact(email="ana@example.com", attributes={"country": "PT"})
    with pytest.raises(RenderError) as err:
        rendering.render_sms(body="Hi\n{{ contry }}", contact=contact)
    assert err.value.message == "body: line 2: 'contry' is not a contact field in {{ contry }}; did you mean 'country'?"
    assert err.value.undefined


def test_a_missing_value_says_how_to_fall_back():
    with pytest.raises(RenderError) as err:
        rendering.render_email(
            subject="Hi", html="<p>a</p>\n<p>{{ coupon }}</p>", text=None, contact=Contact(email="a@b.co")
        )
    assert err.value.message == (
        "html: line 2: 'coupon' is not set for this contact in {{ coupon }}; "
        'use {{ coupon | default("...") }} for a fallback'
    )


def test_names_that_extend_a_field_are_attributes_not_typos():
    rendering.validate_template("{{ phone2 }} {{ email_work }} {{ loyalty_tier }}", field="text")


# --- errors while rendering ----------------------------------------------------------------------


def test_division_by_zero_names_the_line():
    error = refused("<p>ok</p>\n<p>{{ 10 / 0 }}</p>")
    assert error.message == "html: line 2: division by zero in {{ 10 / 0 }} (rendered for a sample contact)"
    assert error.details[0]["line"] == 2


def test_adding_text_and_a_number_says_to_join_with_tilde():
    with pytest.raises(
        RenderError, match=r"body: line 1: text and a number cannot be added with \+ \(join them with ~\)"
    ):
        rendering.render_sms(body="{{ 'Code ' + 5 }}", contact=Contact(email="a@b.co"))


def test_a_limit_hit_names_the_line():
    limits = RenderLimits(max_range=100)
    with pytest.raises(RenderError) as err:
        rendering.render_sms(
            body="Hi\n{% for i in range(1000) %}x{% endfor %}", contact=Contact(email="a@b.co"), limits=limits
        )
    assert err.value.message == (
        "body: line 2: range() of 1,000 items is too long (at most 100) in {% for i in range(1000) %}x{% endfor %}"
    )


# --- attributes under their own names ------------------------------------------------------------


def test_an_attribute_is_a_variable_under_its_own_name():
    contact = Contact(email="ana@example.com", attributes={"country": "PT", "plan": "pro"})
    out = rendering.render_sms(
        body="{{ country | default('?') }} {{ attributes.country }} {{ plan | upper }}", contact=contact
    )
    assert out == "PT PT PRO"


def test_built_in_names_win_over_attributes_of_the_same_name():
    contact = Contact(
        email="ana@example.com",
        first_name="Ana",
        attributes={
            "email": "evil@x.co",
            "tags": "none",
            "attributes": "x",
            "unsubscribe_url": "https://evil",
            "range": 1,
        },
    )
    out = rendering.render_sms(
        body="{{ email }} {{ tags | join(',') }} {{ unsubscribe_url }} {{ range(2) | list | length }} "
        "{{ attributes.email }}",
        contact=contact,
        tags=["vip"],
        extra={"unsubscribe_url": "https://u/1"},
    )
    assert out == "ana@example.com vip https://u/1 2 evil@x.co"


def test_an_attribute_named_like_a_link_does_not_replace_it_when_no_link_is_given():
    contact = Contact(email="ana@example.com", attributes={"unsubscribe_url": "https://evil"})
    assert rendering.contact_context(contact).get("unsubscribe_url") is None


def test_the_sample_preview_shows_names_only_real_contacts_have():
    out = rendering.preview_email(
        subject="Deals in {{ country }}", html="<p>{{ country | default('your country') }}</p>"
    )
    assert out.subject == "Deals in [country]"
    assert out.html == "<p>your country</p>"
    assert rendering.preview_sms(body="Hi {{ first_name }} from {{ country }}") == "Hi Jane from [country]"


def test_a_preview_for_a_real_contact_uses_its_attributes():
    contact = Contact(email="ana@example.com", first_name="Ana", attributes={"country": "PT"})
    out = rendering.preview_email(subject="Deals in {{ country }}", html="<p>{{ first_name }}</p>", contact=contact)
    assert out.subject == "Deals in PT"


def test_a_misspelt_attribute_under_attributes_gets_a_suggestion_too():
    contact = Contact(email="ana@example.com", attributes={"country": "PT", "plan": "pro"})
    with pytest.raises(RenderError) as err:
        rendering.render_sms(body="{{ plan }}\n<i>{{ plan }}</i> {{ attributes.contry }}", contact=contact)
    assert err.value.message == (
        "body: line 2: 'contry' is not a contact field in {{ attributes.contry }}; did you mean 'country'?"
    )
