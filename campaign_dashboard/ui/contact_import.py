"""The contacts page's CSV import: upload, a progress bar while the rows are applied, the counts,
and the rejected rows as a downloadable error report.

The upload streams into a background event (so the page stays live) and into a temporary file,
refused as soon as it passes the size limit; the import then runs in a worker thread, reading that
file as a stream, reports progress after each chunk of rows (the state forwards it) and is recorded
in the audit log as `contacts.import`.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import dataclass
from typing import IO

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Role
from campaign_dashboard.services.accounts import audit
from campaign_dashboard.services.audience.consent import ConsentSource
from campaign_dashboard.services.audience.csv_file import (
    ATTRIBUTE,
    COLUMN_CHOICES,
    HEADER_ALIASES,
    check_file,
    unrecognised_columns,
)
from campaign_dashboard.services.audience.csv_import import (
    CsvLimits,
    ImportResult,
    Progress,
    error_report_csv,
    import_contacts_csv,
)
from campaign_dashboard.services.errors import DomainError, ValidationFailed
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import thousands
from campaign_dashboard.ui.fields import callout_if, close_button, dialog_buttons
from campaign_dashboard.ui.guard import guarded

UPLOAD_ID = "contacts-csv"
logger = logging.getLogger(__name__)
REPORT_NAME = "contact-import-errors.csv"


async def _spool_upload(chunks: rx.UploadChunkIterator, limits: CsvLimits) -> tuple[IO[bytes], str]:
    """The uploaded file in a temporary file (on disk past 1 MB), refused as soon as it passes
    the import's size limit: memory stays flat however large the upload. With its file name."""
    name = ""
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 (the caller closes it)
    size = 0
    try:
        async for chunk in chunks:
            name = name or chunk.filename
            size += len(chunk.data)
            if size > limits.max_bytes:
                raise ValidationFailed(limits.too_large(), details=[{"field": "file", "message": limits.too_large()}])
            spool.write(chunk.data)
        if not size:
            raise ValidationFailed("Choose a CSV file first.")
    except BaseException:
        spool.close()
        raise
    return spool, name


def _run_import(
    upload: IO[bytes],
    progress: Progress,
    *,
    user_id: int | None,
    client: str | None,
    limits: CsvLimits,
    source: ConsentSource,
    mapping: dict[str, str] | None = None,
) -> ImportResult:
    with session_scope() as session:
        result = import_contacts_csv(
            session=session, data=upload, source=source, progress=progress, limits=limits, mapping=mapping
        )
        audit.record(
            session,
            actor_user_id=user_id,
            action=audit.CONTACTS_IMPORT,
            object_type="contacts",
            client_address=client,
            detail={
                "imported": result.imported,
                "updated": result.updated,
                "rejected": result.rejected,
                "kept_unsubscribed": result.kept_unsubscribed,
            },
        )
        return result


SHOWN_REJECTIONS = 20  # rejected rows listed in the dialog; the error report has them all


@dataclass
class Rejection:
    line: int
    reason: str


# The words for what an unrecognised column may be (`csv_file.COLUMN_CHOICES`).
CHOICE_LABELS = {
    "email": "Email",
    "phone": "Phone",
    "first_name": "First name",
    "last_name": "Last name",
    "timezone": "Time zone",
    "tags": "Tags",
    "attribute": "An attribute of that name",
    "ignore": "Leave it out",
}


@dataclass
class ColumnQuestion:
    name: str
    choice: str = ATTRIBUTE


class ContactImportState(AuthState):
    running: bool = False
    finished: bool = False
    done: int = 0
    total: int = 0
    imported: int = 0
    updated: int = 0
    rejected: int = 0
    kept: int = 0  # rows that stay unsubscribed: an import never resubscribes
    error: str = ""
    rejections: list[Rejection] = []  # the first rejected rows, with their line and reason
    questions: list[ColumnQuestion] = []  # columns we do not recognise, and what the person said each is
    _asked_for: str = ""  # the file (name and unrecognised columns) `questions` are about
    _report: str = ""  # the error report CSV stays on the server until it is downloaded

    @rx.var
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else (100 if self.finished else 0)

    @guarded(Role.MARKETER)
    def reset_import(self):
        if self.running:
            return
        self.finished, self.error, self._report, self.rejections = False, "", "", []
        self.questions, self._asked_for = [], ""
        self.done = self.total = self.imported = self.updated = self.rejected = self.kept = 0
        return rx.clear_selected_files(UPLOAD_ID)

    @guarded(Role.MARKETER)
    def choose_column(self, name: str, choice: str):
        """What an unrecognised column is (one of `COLUMN_CHOICES`)."""
        if choice in COLUMN_CHOICES:
            self.questions = [ColumnQuestion(q.name, choice) if q.name == name else q for q in self.questions]

    @guarded(Role.MARKETER, writes=True, background=True, audits_itself=True)
    async def import_csv(self, chunks: rx.UploadChunkIterator):
        async with self:
            if self.running:
                return rx.toast.info("An import is already running.")
            self.running, self.finished, self.error, self._report, self.rejections = True, False, "", "", []
            self.done = self.total = self.imported = self.updated = self.rejected = self.kept = 0
            user = self._user()
            user_id, client = (user.id if user else None), (self.router.session.client_ip or None)
            source = ConsentSource.dashboard_user(user, client_address=client) if user else None

        loop = asyncio.get_running_loop()

        async def show(done: int, total: int) -> None:
            async with self:
                self.done, self.total = done, total

        def progress(done: int, total: int) -> None:  # called from the import's thread
            asyncio.run_coroutine_threadsafe(show(done, total), loop).result()

        result, error = None, ""
        try:
            limits = CsvLimits.from_settings()
            if source is None:
                raise DomainError("Your session ended: sign in again to import.")
            spool, file_name = await _spool_upload(chunks, limits)
            with spool as upload:
                header = await asyncio.to_thread(lambda: check_file(upload, limits)[1])
                unknown = unrecognised_columns(header)
                about = "\x00".join([file_name, *unknown])
                async with self:
                    asking = bool(unknown) and self._asked_for != about
                    if asking:  # first ask what they are; the person's next Import sends the file again
                        self.questions = [ColumnQuestion(name) for name in unknown]
                        self._asked_for, self.running = about, False
                    mapping = {q.name: q.choice for q in self.questions}
                if asking:
                    return None
                result = await asyncio.to_thread(
                    _run_import,
                    upload,
                    progress,
                    limits=limits,
                    user_id=user_id,
                    client=client,
                    source=source.importing(file_name),
                    mapping=mapping,
                )
        except DomainError as exc:
            error = exc.message
        except Exception:  # noqa: BLE001 - say so instead of a spinner that never ends
            logger.exception("contact import failed")
            error = "The import stopped on an unexpected error; rows before it were saved. Try again."
        async with self:
            self.running, self.error = False, error
            if result is not None:
                self.finished, self.questions, self._asked_for = True, [], ""
                self.imported, self.updated, self.rejected = result.imported, result.updated, result.rejected
                self.kept = result.kept_unsubscribed
                self._report = error_report_csv(result) if result.rejected else ""
                self.rejections = [
                    Rejection(line=e["row"], reason=e["reason"]) for e in result.errors[:SHOWN_REJECTIONS]
                ]
        return rx.clear_selected_files(UPLOAD_ID)

    @guarded(Role.MARKETER)
    def download_report(self):
        if not self._report:
            return rx.toast.info("No rows were rejected.")
        return rx.download(data=self._report, filename=REPORT_NAME, mime_type="text/csv")


def _questions() -> rx.Component:
    """What each column we do not recognise is: a contact field, an attribute, or left out."""
    s = ContactImportState
    options = [rx.select.item(label, value=choice) for choice, label in CHOICE_LABELS.items()]

    def question(q: rx.Var) -> rx.Component:
        return rx.hstack(
            rx.text(q.name, weight="medium", size="2", width="40%", class_name="column-name"),
            rx.select.root(
                rx.select.trigger(width="100%", aria_label="What the column " + q.name.to(str) + " is"),
                rx.select.content(*options),
                value=q.choice,
                on_change=lambda choice: s.choose_column(q.name, choice),
            ),
            align="center",
            width="100%",
            class_name="column-question",
        )

    return rx.vstack(
        rx.text(
            "These columns are not contact fields we know. Say what each one is, then Import again.",
            size="2",
            weight="medium",
        ),
        rx.foreach(s.questions, question),
        spacing="2",
        width="100%",
        id="import-questions",
    )


def _count(label: str, value: rx.Var, count_id: str, color: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.heading(thousands(value), size="5", color_scheme=color, id=count_id),
        spacing="0",
        align="center",
        min_width="6em",
    )


def _result() -> rx.Component:
    s = ContactImportState
    return rx.vstack(
        rx.hstack(
            _count("Created", s.imported, "import-created", "green"),
            _count("Updated", s.updated, "import-updated", "blue"),
            _count("Rejected", s.rejected, "import-rejected", "red"),
            justify="center",
            width="100%",
        ),
        rx.cond(
            s.rejected > 0,
            rx.button(
                rx.icon("file-down", size=16),
                "Download error report",
                on_click=s.download_report,
                color_scheme="red",
                variant="soft",
                id="import-error-report",
            ),
            rx.text("Every row was imported.", size="2", color_scheme="green"),
        ),
        rx.cond(s.rejected > 0, _rejections()),
        rx.cond(
            s.kept > 0,
            rx.text(
                thousands(s.kept),
                " rows stay unsubscribed or suppressed: an import never resubscribes anyone.",
                size="2",
                id="import-kept",
            ),
        ),
        align="center",
        width="100%",
        id="import-result",
    )


def _rejections() -> rx.Component:
    """The first rejected rows, line and reason, so the common mistakes show without a download."""
    s = ContactImportState
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(rx.table.column_header_cell("Line"), rx.table.column_header_cell("Why it was left out"))
            ),
            rx.table.body(
                rx.foreach(
                    s.rejections,
                    lambda r: rx.table.row(rx.table.row_header_cell(r.line), rx.table.cell(r.reason)),
                )
            ),
            size="1",
            variant="surface",
            id="import-rejections",
        ),
        rx.cond(
            s.rejected > s.rejections.length(),
            rx.text("The first rows only: the error report lists them all.", size="1", color_scheme="gray"),
        ),
        max_height="14em",
        overflow_y="auto",
        width="100%",
    )


def _columns_help() -> rx.Component:
    known = ", ".join(HEADER_ALIASES)
    return rx.text(
        f"The first line names the columns: {known} (at least email or phone). Other columns become "
        "attributes; tags are separated by ; or |. Rows matching an existing email are updated.",
        size="2",
        color_scheme="gray",
    )


def import_dialog(*, on_done: rx.EventHandler) -> rx.Component:
    """The "Import CSV" button and its dialog; `on_done` (the list's reload) runs when it opens or closes."""
    s = ContactImportState
    files = rx.selected_files(UPLOAD_ID)
    return rx.dialog.root(
        rx.dialog.trigger(
            # no on_click here: Reflex would wrap the button in a div that takes the trigger's ARIA
            rx.button(rx.icon("upload", size=16), "Import CSV", id="import-contacts"),
        ),
        rx.dialog.content(
            rx.dialog.title("Import contacts from CSV"),
            rx.vstack(
                _columns_help(),
                rx.upload(
                    rx.vstack(
                        rx.icon("file-spreadsheet", size=28, color=rx.color("gray", 10)),
                        rx.cond(
                            files.length() > 0,
                            rx.text(files[0], weight="medium", id="import-file-name"),
                            rx.text("Drop a CSV file here, or click to choose one.", size="2"),
                        ),
                        align="center",
                        spacing="2",
                    ),
                    id=UPLOAD_ID,
                    accept={"text/csv": [".csv"], "text/plain": [".txt"]},
                    max_files=1,
                    multiple=False,
                    disabled=s.running,
                    border=f"1px dashed {rx.color('gray', 8)}",
                    border_radius="var(--radius-3)",
                    padding="1.5em",
                    width="100%",
                    cursor="pointer",
                ),
                rx.cond(
                    s.running | s.finished,
                    rx.vstack(
                        rx.progress(value=s.percent, max=100, width="100%", id="import-progress"),
                        rx.text(
                            thousands(s.done),
                            " of ",
                            thousands(s.total),
                            " rows",
                            rx.cond(s.finished, " · done", "…"),
                            size="2",
                            color_scheme="gray",
                            id="import-progress-text",
                        ),
                        width="100%",
                    ),
                ),
                callout_if(s.error, icon="triangle-alert", color_scheme="red", id="import-error"),
                rx.cond((s.questions.length() > 0) & ~s.finished, _questions()),
                rx.cond(s.finished, _result()),
                dialog_buttons(
                    close_button("Close", id="import-close"),
                    rx.button(
                        rx.cond(s.running, rx.spinner(size="2"), rx.icon("upload", size=16)),
                        "Import",
                        on_click=s.import_csv(rx.upload_files_chunk(upload_id=UPLOAD_ID)),
                        disabled=s.running | (files.length() == 0),
                        id="import-start",
                    ),
                ),
                spacing="4",
                width="100%",
            ),
            max_width="36em",
        ),
        on_open_change=[s.reset_import, on_done],
    )
