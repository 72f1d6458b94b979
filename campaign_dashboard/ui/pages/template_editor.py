"""Create or edit a template: name, subject, HTML and text, with a live preview rendered for the
sample contact. The preview is a sandboxed iframe without `allow-scripts` and with its own opaque
origin, so a script in a template never runs in the dashboard. A template that does not render
shows why next to the editor and cannot be saved.

Only writers edit, so only they get previews of what they type; a viewer opening a saved template
sees its preview. Every render runs in a worker thread: a slow template never stalls the web
process's event loop for the other users.
"""

from __future__ import annotations

import asyncio

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Role, id_of
from campaign_dashboard.services.campaigns import templates
from campaign_dashboard.services.campaigns.rendering import SAMPLE_CONTACT
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import back_link, found_or_message
from campaign_dashboard.ui.fields import callout_if, error_if, hint_text, labelled
from campaign_dashboard.ui.guard import guarded
from campaign_dashboard.ui.layout import dashboard_page
from campaign_dashboard.ui.unsaved import WRITERS, fingerprint, unsaved_marker

PLAIN_TEXT = "Plain text (optional: derived from the HTML when empty)"
SAMPLE_NAME = f"{SAMPLE_CONTACT['first_name']} {SAMPLE_CONTACT['last_name']} <{SAMPLE_CONTACT['email']}>"
STARTER_HTML = (
    "<h1>Hello {{ first_name | default('there') }}</h1>\n<p>...</p>\n"
    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>\n'
)


class TemplateEditorState(AuthState):
    template_key: int = 0  # 0: a new template
    found: bool = False
    message: str = ""
    name: str = ""
    subject: str = ""
    html: str = ""
    text: str = ""
    preview_subject: str = ""
    preview_html: str = ""
    preview_text: str = ""
    render_error: str = ""
    saving: bool = False
    _saved: str = ""  # the fields as loaded or last saved (`unsaved.fingerprint`)
    errors: dict[str, str] = {}  # a refusal that names the name field, shown under it

    @rx.var
    def unsaved(self) -> bool:
        """Changes a writer would lose by leaving (a viewer cannot save, so is never asked)."""
        return self.found and self.role in WRITERS and self._fields() != self._saved

    def _fields(self) -> str:
        return fingerprint(self.name, self.subject, self.html, self.text)

    @guarded(Role.VIEWER)
    async def load(self):
        arg = routes.path_arg(self.router.url.path)
        if self.unsaved and arg == (str(self.template_key) if self.template_key else routes.NEW):
            return  # the same editor again (a reconnect, a cancelled reload): keep the changes
        self.found, self.message, self.errors = False, "", {}
        if arg == routes.NEW:
            self.template_key, self.name, self.subject, self.html, self.text = 0, "", "", STARTER_HTML, ""
        elif arg.isdigit():
            with session_scope() as session:
                try:
                    template = templates.get_template(session=session, template_id=int(arg))
                except DomainError as exc:
                    self.message = exc.message
                    return
            self.template_key = id_of(template)
            self.name, self.subject, self.html, self.text = (
                template.name,
                template.subject,
                template.html,
                template.text,
            )
        else:
            self.message = f"{arg!r} is not a template id."
            return
        self.found, self._saved = True, self._fields()
        await self._preview()

    async def _preview(self) -> bool:
        """Render for the sample contact; False (with the reason shown) when it does not render."""
        try:
            rendered = await asyncio.to_thread(_render, self.subject, self.html, self.text)
        except DomainError as exc:
            self.render_error = exc.message
            return False
        self.render_error = ""
        self.preview_subject, self.preview_html, self.preview_text = rendered.subject, rendered.html, rendered.text
        return True

    @guarded(Role.MARKETER)
    def set_name(self, value: str):
        self.name = value
        if "name" in self.errors:
            self.errors = {}

    @guarded(Role.MARKETER)
    async def set_subject(self, value: str):
        self.subject = value
        await self._preview()

    @guarded(Role.MARKETER)
    async def set_html(self, value: str):
        self.html = value
        await self._preview()

    @guarded(Role.MARKETER)
    async def set_text(self, value: str):
        self.text = value
        await self._preview()

    @guarded(Role.MARKETER, writes=True)
    async def save(self):
        if not await self._preview():
            return rx.toast.error("Fix the template error before saving.")
        data = {"name": self.name, "subject": self.subject, "html": self.html, "text": self.text}
        try:
            with session_scope() as session:
                if self.template_key:
                    templates.update_template(session=session, template_id=self.template_key, changes=data)
                else:
                    self.template_key = id_of(templates.create_template(session=session, data=data))
        except DomainError as exc:
            self.errors = {d["field"]: exc.message for d in exc.details if d.get("field") == "name"}
            return None if self.errors else rx.toast.error(exc.message, duration=8000)  # at the field, else here
        self._saved = self._fields()
        return [rx.toast.success(f"Template {self.name.strip()!r} saved."), rx.redirect(routes.TEMPLATES)]


def _render(subject: str, html: str, text: str):
    """The sample contact's rendering (in a worker thread: see the module's docstring)."""
    with session_scope() as session:
        return templates.preview_source(session=session, subject=subject, html=html, text=text)


def source_field(label: str, control, value: rx.Var, on_change, control_id: str, **props) -> rx.Component:
    """One part of the template (`control` is `rx.input` or `rx.text_area`), read-only for viewers."""
    editable = control(
        value=value, on_change=on_change, id=control_id, read_only=~AuthState.can_write, width="100%", **props
    )
    return labelled(label, editable, control_id)


def source_editor() -> rx.Component:
    s = TemplateEditorState
    mono = {"font_family": "var(--code-font-family)", "font_size": "13px"}
    error = callout_if(s.render_error, icon="triangle-alert", color_scheme="red", id="template-error", width="100%")
    return rx.vstack(
        rx.hstack(
            back_link("All templates", routes.TEMPLATES),
            rx.spacer(),
            rx.cond(
                AuthState.can_write,
                rx.button(
                    rx.icon("save", size=16),
                    "Save template",
                    on_click=s.save,
                    disabled=s.render_error != "",
                    id="template-save",
                ),
            ),
            align="center",
            width="100%",
        ),
        source_field("Name", rx.input, s.name, s.set_name, "template-name", placeholder="e.g. Monthly newsletter"),
        error_if(s.errors.get("name", ""), id="template-name-error"),
        source_field(
            "Subject", rx.input, s.subject, s.set_subject, "template-subject", placeholder="News for {{ first_name }}"
        ),
        source_field("HTML", rx.text_area, s.html, s.set_html, "template-html", rows="14", style=mono),
        error,
        source_field(PLAIN_TEXT, rx.text_area, s.text, s.set_text, "template-text", rows="5", style=mono),
        hint_text(
            "Fields: {{ first_name }}, {{ last_name }}, {{ email }}, {{ phone }}, {{ tags }}, attributes as "
            "{{ attributes.plan }}, and {{ unsubscribe_url }}."
        ),
        spacing="3",
        flex="1 1 22em",
        min_width="0",
    )


def preview() -> rx.Component:
    s = TemplateEditorState
    return rx.vstack(
        rx.text("Preview for the sample contact ", rx.code(SAMPLE_NAME), size="2", color_scheme="gray"),
        rx.text(rx.text.strong("Subject: "), s.preview_subject, id="template-preview-subject"),
        rx.el.iframe(
            src_doc=s.preview_html,
            sandbox="",  # no scripts, no forms, an opaque origin: nothing reaches the dashboard
            title="Email preview",
            id="template-preview",
            width="100%",
            height="480px",
            style={
                "border": f"1px solid {rx.color('gray', 6)}",
                "border_radius": "var(--radius-3)",
                "background": "white",
            },
        ),
        rx.text("Plain text", size="2", weight="medium"),
        rx.box(
            rx.text(s.preview_text, white_space="pre-wrap", size="2", font_family="var(--code-font-family)"),
            padding="0.75em",
            border=f"1px solid {rx.color('gray', 6)}",
            border_radius="var(--radius-3)",
            width="100%",
            id="template-preview-text",
        ),
        rx.cond(
            s.render_error != "",
            rx.text("The preview shows the last version that rendered.", size="1", color_scheme="orange"),
        ),
        spacing="2",
        flex="1 1 22em",
        min_width="0",
    )


@dashboard_page(route=routes.TEMPLATES + "/[template_id]", title="Template", on_load=TemplateEditorState.load)
def template_editor_page() -> rx.Component:
    editor = rx.flex(
        source_editor(),
        preview(),
        unsaved_marker(TemplateEditorState.unsaved),
        spacing="5",
        wrap="wrap",
        width="100%",
        align="start",
    )
    return found_or_message(TemplateEditorState.found, TemplateEditorState.message, editor)
