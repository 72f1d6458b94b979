"""Every render is bounded in CPU time and size (issue 9 §3), from any thread, and content that
cannot render is refused when it is saved."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from sqlmodel import Session

from campaign_dashboard.models import Segment
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.campaigns import rendering, templates
from campaign_dashboard.services.campaigns.render_limits import RenderLimits
from campaign_dashboard.services.errors import ValidationFailed

LIMITS = RenderLimits(cpu_seconds=1.0, max_output=100_000, max_sms=1600, max_range=10_000)

HOSTILE = {
    "huge power": "{{ 7**6000000 }}",
    "huge repetition": "{{ 'y'*5000000 }}",
    "tens of megabytes": "{{ 'x' * 50000000 }}",
    "nested loops": "{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}",
    "loops in a set block": (
        "{% set s %}{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}{% endset %}"
    ),
    "doubling in a namespace": (
        "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"
    ),
    "exponential macro": "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(60) }}",
    "huge width": "{{ 'x'|center(1000000000) }}",
    "huge format width": "{{ '%0999999999d' % 1 }}",
    "huge str.format width": "{{ '{:>999999999}'.format(1) }}",
    "huge join": "{{ range(10000)|join('x'*100000) }}",
    "huge range": "{% for i in range(100000000) %}{% endfor %}",
}


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_templates_stop_quickly_with_a_clear_error(source):
    started = time.thread_time()  # CPU time: the shared test machine's load does not count
    with pytest.raises(rendering.RenderError) as refused:
        rendering.preview_email(subject="s", html=source, limits=LIMITS)
    assert time.thread_time() - started < LIMITS.cpu_seconds + 0.5
    assert refused.value.message.startswith("html: ")
    assert any(word in refused.value.message for word in ("too long", "too large", "too much", "larger", "would make"))


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_templates_are_refused_at_save_naming_the_field(engine, source):
    with Session(engine) as session, pytest.raises(ValidationFailed) as refused:
        templates.create_template(session=session, data={"name": "evil", "subject": "Hi", "html": source})
    assert refused.value.details[0]["field"] == "html"


def test_output_is_capped_at_the_configured_size():
    html = "{% for i in range(2000) %}" + "0123456789" * 10 + "{% endfor %}"  # 200,000 characters
    with pytest.raises(rendering.RenderError, match="more than 100,000 characters"):
        rendering.preview_email(subject="s", html=html, limits=LIMITS)
    assert len(rendering.preview_email(subject="s", html=html).html) == 200_000  # default limit: 1,000,000


def test_ordinary_templates_render_as_before():
    html = (
        "<h1>Hi {{ first_name | default('there') }}</h1>{% for t in tags %}<i>{{ t }}</i>{% endfor %}"
        "{{ '%05.1f' % 3.14159 }} {{ '{:>8}'.format(city) }} {{ [1, 2] * 2 }} {{ 2 ** 10 }} "
        "{% for i in range(3) %}{{ loop.index }}/{{ loop.length }} {% endfor %}{{ 'a' ~ 'b' }}"
        "{% macro m(x) %}<b>{{ x }}</b>{% endmacro %}{{ m(last_name) }}[{{ 'x'|center(5) }}]"
    )
    out = rendering.preview_email(subject="Hello {{ first_name }}", html=html, limits=LIMITS)
    assert out.subject == "Hello Jane"
    assert out.html == (
        "<h1>Hi Jane</h1><i>customer</i><i>vip</i>003.1   Lisbon [1, 2, 1, 2] 1024 1/3 2/3 3/3 ab<b>Doe</b>[  x  ]"
    )


def test_the_time_limit_holds_in_a_worker_thread_and_leaves_the_event_loop_free():
    """The UI renders through asyncio.to_thread: the limit must work there (no signals), and the
    loop keeps serving other requests meanwhile."""
    slow = HOSTILE["nested loops"]

    async def scenario() -> tuple[float, int, str]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1

        def render() -> tuple[float, str]:
            started = time.thread_time()
            try:
                rendering.preview_email(subject="s", html=slow, limits=LIMITS)
                return time.thread_time() - started, ""
            except rendering.RenderError as exc:
                return time.thread_time() - started, exc.message

        task = asyncio.create_task(ticker())
        cpu, message = await asyncio.to_thread(render)
        task.cancel()
        return cpu, ticks, message

    cpu, ticks, message = asyncio.run(scenario())
    assert "too long to render" in message
    assert cpu < LIMITS.cpu_seconds + 0.5
    assert ticks >= 5, "the event loop kept running while the render was bounded"
    assert threading.current_thread() is threading.main_thread()


def test_an_unknown_filter_is_refused_at_save(engine):
    """It parses, so it used to be saved; then every send crashed outside RenderError."""
    with Session(engine) as session, pytest.raises(ValidationFailed, match="line 1: unknown filter 'nosuchfilter'"):
        templates.create_template(
            session=session, data={"name": "t", "subject": "Hi", "html": "<p>{{ first_name | nosuchfilter }}</p>"}
        )


def test_a_runtime_error_for_the_sample_contact_is_refused_at_save(engine):
    with Session(engine) as session, pytest.raises(ValidationFailed, match="line 1: division by zero"):
        templates.create_template(session=session, data={"name": "t", "subject": "Hi", "html": "<p>{{ 1/0 }}</p>"})


def test_a_variable_only_real_contacts_have_can_still_be_saved(engine):
    with Session(engine) as session:
        saved = templates.create_template(
            session=session,
            data={
                "name": "t",
                "subject": "Hi {{ loyalty_tier }}",
                "html": "<p>{{ attributes.points }} {{ nickname.upper() }}</p>",
            },
        )
        assert saved.id is not None


def test_an_sms_that_renders_longer_than_one_message_may_be_is_refused_at_save(engine):
    with Session(engine) as session:
        segment = Segment(name="all", kind="rules", rules=[], match="all")
        session.add(segment)
        session.commit()
        with pytest.raises(ValidationFailed, match="more than the 1,600 one SMS may have") as refused:
            campaigns.create(
                session=session,
                channel="sms",
                data={"name": "s", "segment_id": segment.id, "body": "{{ 'ab' * 1000 }}"},
            )
        assert refused.value.details[0]["field"] == "body"


def test_an_sms_is_refused_per_recipient_when_it_renders_too_long():
    with pytest.raises(rendering.RenderError, match="more than the 1,600"):
        rendering.render_sms(body="{{ first_name * 401 }}", contact={"first_name": "Jane"}, limits=LIMITS)


def test_saving_and_previewing_render_outside_any_transaction(engine, monkeypatch):
    """On SQLite a transaction holds the database's write lock: a template that renders slowly
    must not hold up the workers while it is checked or previewed."""
    from campaign_dashboard.models import Contact

    with Session(engine) as session:
        template = templates.create_template(session=session, data={"name": "t", "subject": "Hi", "html": "<p>a</p>"})
        template_id = template.id
        contact = Contact(email="p@example.com", first_name="Pat")
        session.add(contact)
        session.commit()
        contact_id = contact.id

    with Session(engine) as session:
        in_transaction: list[bool] = []
        real_validate, real_preview = rendering.validate_template, rendering.preview_email

        def validate(*args, **kwargs):
            in_transaction.append(session.in_transaction())
            return real_validate(*args, **kwargs)

        def preview(*args, **kwargs):
            in_transaction.append(session.in_transaction())
            return real_preview(*args, **kwargs)

        monkeypatch.setattr(rendering, "validate_template", validate)
        monkeypatch.setattr(rendering, "preview_email", preview)
        templates.update_template(session=session, template_id=template_id, changes={"html": "<p>{{ first_name }}</p>"})
        assert (
            templates.preview_template(session=session, template_id=template_id, contact_id=contact_id).html
            == "<p>Pat</p>"
        )
    assert in_transaction and not any(in_transaction)


def test_large_numbers_in_ordinary_templates_are_fine():
    html = (
        "{{ '{:,}'.format(1500000) }} {{ namespace(total=2500000).total }} {{ points | default(12345678) }} "
        "{{ '%d' % 3000000 }} {{ 1500000 * 12 }} {{ 'ab'|truncate(5000000) }}"
    )
    assert rendering.preview_email(subject="s", html=html, limits=LIMITS).html == (
        "1,500,000 2500000 12345678 3000000 18000000 ab"
    )


def test_a_test_send_of_content_over_the_limits_is_refused_and_sends_nothing(engine):
    import httpx

    from campaign_dashboard.config import EMULATOR_RESEND_KEY
    from campaign_dashboard.emulator import create_emulator_app, running
    from campaign_dashboard.providers.resend_email import ResendEmailProvider
    from campaign_dashboard.services.campaigns import sample_send

    with running(create_emulator_app({"webhooks": False, "resend_rps": 0})) as url, Session(engine) as session:
        provider = ResendEmailProvider(api_key=EMULATOR_RESEND_KEY, api_url=url)
        with pytest.raises(ValidationFailed, match="html: the html is too long"):
            sample_send.send_test_email(
                session=session,
                provider=provider,
                to="me@example.com",
                values={"subject": "Hi", "html": "{{ 'y'*5000000 }}"},
                default_from="news@example.com",
            )
        assert httpx.get(f"{url}/_emulator/stats").json()["accepted"] == 0
        sample_send.send_test_email(
            session=session,
            provider=provider,
            to="me@example.com",
            values={"subject": "Hi", "html": "<p>{{ first_name }}</p>"},
            default_from="news@example.com",
        )
        assert httpx.get(f"{url}/_emulator/stats").json()["accepted"] == 1
