"""The preference centre's HTML, and the sign-up pages' layout: plain forms that work without
JavaScript, readable on a phone, with labels, landmarks and contrast for assistive technology.
Every value is escaped."""

from __future__ import annotations

from html import escape

from fastapi.responses import HTMLResponse

from campaign_dashboard.services.events.preference_centre import Preferences

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title>
<style>
*{{box-sizing:border-box}}
body{{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;font-size:1.0625rem;line-height:1.5;margin:0;
color:#1a1a1a;background:#f6f6f4}}
main{{max-width:34rem;margin:0 auto;padding:1.5rem 1rem 3rem}}
h1{{font-size:1.6rem;margin:.5rem 0 1rem}} h2{{font-size:1.15rem;margin:0 0 .5rem}}
section{{background:#fff;border:1px solid #d4d4d0;border-radius:.6rem;padding:1rem;margin:0 0 1rem}}
p{{margin:.25rem 0 .75rem}} .muted{{color:#4a4a4a}}
fieldset{{border:0;margin:0 0 .75rem;padding:0}} legend{{font-weight:600;margin-bottom:.5rem;padding:0}}
.choice{{display:flex;gap:.75rem;align-items:flex-start;padding:.6rem 0;border-top:1px solid #ecece8}}
.choice input{{width:1.4rem;height:1.4rem;margin:.15rem 0 0;flex:none;accent-color:#1f4fd1}}
.choice label{{font-weight:600}} .choice p{{margin:0;font-weight:400;color:#4a4a4a}}
button{{font:inherit;font-weight:600;min-height:2.75rem;padding:.6rem 1.1rem;border-radius:.45rem;cursor:pointer;
border:2px solid #1a1a1a;background:#1a1a1a;color:#fff;width:100%}}
button.secondary{{background:#fff;color:#1a1a1a}} button.danger{{background:#a3231a;border-color:#a3231a}}
button:focus-visible,input:focus-visible{{outline:3px solid #1f4fd1;outline-offset:2px}}
.notice{{border-left:4px solid #1f6f3f;background:#eef7f0;padding:.75rem 1rem;border-radius:.3rem;margin:0 0 1rem}}
.error{{border-left-color:#a3231a;background:#fbeeed}}
.cd-signup label{{display:block;margin:.75rem 0 .25rem;font-weight:600}}
.cd-signup input[type=email],.cd-signup input[type=text],.cd-signup input[type=tel]{{font:inherit;width:100%;
min-height:2.75rem;padding:.5rem .75rem;border:1px solid #6b6b66;border-radius:.45rem;background:#fff}}
.cd-signup input[type=checkbox]{{width:1.4rem;height:1.4rem;margin:0 .5rem 0 0;vertical-align:middle;
accent-color:#1f4fd1}}
.cd-signup label:has(input[type=checkbox]){{font-weight:400}} .cd-signup button{{margin-top:1rem}}
</style></head><body><main>{body}</main></body></html>"""


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    """A page in the centre's layout: `body` is HTML already escaped by the caller."""
    return HTMLResponse(PAGE.format(title=escape(title), body=f"<h1>{escape(title)}</h1>{body}"), status)


def centre(prefs: Preferences, token: str, *, notice: str = "", error: str = "", status: int = 200) -> HTMLResponse:
    """The preference centre for one contact and channel, with what just happened above it."""
    what = "emails" if prefs.channel == "email" else "text messages"
    action = f"/unsubscribe/{escape(token)}/preferences"
    hidden = f'<input type="hidden" name="token" value="{escape(token)}">'
    parts = [f'<p class="muted">For {escape(prefs.masked_address)}</p>']
    if notice:
        parts.append(f'<div class="notice" role="status">{escape(notice)}</div>')
    if error:
        parts.append(f'<div class="notice error" role="alert">{escape(error)}</div>')
    topic = prefs.campaign_topic
    if prefs.subscribed and topic is not None and topic.receives:
        parts.append(
            '<section aria-labelledby="this-topic"><h2 id="this-topic">This topic only</h2>'
            f"<p>You got this message because you receive {escape(topic.name)}.</p>"
            f'<form method="post" action="{action}">{hidden}'
            f'<button type="submit" name="action" value="topic">Unsubscribe from {escape(topic.name)}</button>'
            "</form></section>"
        )
    parts.append(_choices(prefs, action, hidden, what))
    if prefs.subscribed:
        parts.append(
            '<section aria-labelledby="everything"><h2 id="everything">Everything</h2>'
            f"<p>Stop all campaign {what} from us.</p>"
            f'<form method="post" action="{action}">{hidden}'
            f'<button class="danger" type="submit" name="action" value="everything">Unsubscribe from all {what}'
            "</button></form></section>"
        )
    return page(f"Your {what}", "".join(parts), status)


def _choices(prefs: Preferences, action: str, hidden: str, what: str) -> str:
    rows = []
    for t in prefs.topics:
        checked = " checked" if t.receives else ""
        described = f' aria-describedby="topic-{t.id}-about"' if t.description else ""
        about = f'<p id="topic-{t.id}-about">{escape(t.description)}</p>' if t.description else ""
        rows.append(
            f'<div class="choice"><input type="hidden" name="shown" value="{t.id}">'
            f'<input type="checkbox" id="topic-{t.id}" name="topic" value="{t.id}"{checked}{described}>'
            f'<div><label for="topic-{t.id}">{escape(t.name)}</label>{about}</div></div>'
        )
    topics = (
        f"<fieldset><legend>Topics you receive</legend>{''.join(rows)}</fieldset>"
        if rows
        else f"<p>We send one kind of campaign {what}.</p>"
    )
    if prefs.subscribed:
        channel = ""
    elif prefs.kept_off:
        channel = f'<p class="notice error">{escape(prefs.kept_off)}</p>'
    else:
        channel = (
            f"<p>You are unsubscribed from all campaign {what}.</p>"
            '<div class="choice"><input type="checkbox" id="resubscribe" name="resubscribe" value="1">'
            f'<div><label for="resubscribe">Receive campaign {what} from us again</label></div></div>'
        )
    return (
        '<section aria-labelledby="choose"><h2 id="choose">Choose what you receive</h2>'
        f'<form method="post" action="{action}">{hidden}{channel}{topics}'
        '<button class="secondary" type="submit" name="action" value="save">Save my choices</button>'
        "</form></section>"
    )
