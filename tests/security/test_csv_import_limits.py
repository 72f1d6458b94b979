"""Unbounded CSV input is refused: too many columns, over-long column names, too many rows, too
large a file (also as a chunked upload with no Content-Length, refused before it is read whole).
Each refusal names the problem and changes nothing."""

from __future__ import annotations

import anyio
import pytest
from sqlmodel import func, select

from campaign_dashboard.api import create_api
from campaign_dashboard.config import get_settings
from campaign_dashboard.models import Contact
from campaign_dashboard.services.audience.csv_import import CsvLimits, import_contacts_csv
from campaign_dashboard.services.errors import ValidationFailed
from tests.helpers.api import assert_error
from tests.helpers.consent import IMPORT

LIMITS = CsvLimits(max_bytes=1024 * 1024, max_rows=5, max_columns=10, max_column_name=20)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            "email," + ",".join(f"c{i}" for i in range(10_000)) + "\na@example.com\n",
            "The header has 10,001 columns; the limit is 10.",
        ),
        (
            "email," + "x" * 5000 + "\na@example.com,1\n",
            "Column 2's name is 5,000 characters long ('xxxxxxxxxxxxxxxxxxxx'...); column names are limited to 20",
        ),
        (
            "email\n" + "".join(f"p{i}@example.com\n" for i in range(6)),
            "The file has more than 5 rows; split it into smaller files.",
        ),
        ("email\n" + "a@example.com\n" * 80_000, "The file is larger than 1 MB; split it into smaller files."),
    ],
    ids=["10000-columns", "5000-character-name", "too-many-rows", "too-large"],
)
def test_a_file_over_a_limit_is_refused_whole_naming_the_limit(session, data, message):
    with pytest.raises(ValidationFailed) as exc:
        import_contacts_csv(session=session, data=data.encode(), source=IMPORT, limits=LIMITS)

    assert message in exc.value.message
    assert exc.value.details == [{"field": "file", "message": exc.value.message}]
    assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_file_at_the_limits_is_imported(session):
    names = ["email", *(f"{'n' * 18}{i:02d}" for i in range(9))]  # 10 columns, names of 20 characters
    data = ",".join(names) + "\n" + "".join(f"p{i}@example.com" + ",x" * 9 + "\n" for i in range(5))
    result = import_contacts_csv(session=session, data=data.encode(), source=IMPORT, limits=LIMITS)
    assert (result.imported, result.rejected) == (5, 0)


def test_the_limits_come_from_settings(session, monkeypatch):
    monkeypatch.setenv("CSV_IMPORT_MAX_COLUMNS", "3")
    get_settings.cache_clear()
    with pytest.raises(ValidationFailed, match="The header has 4 columns; the limit is 3"):
        import_contacts_csv(session=session, data=b"email,a,b,c\nx@example.com,1,2,3\n", source=IMPORT)
    get_settings.cache_clear()


def test_the_api_refuses_an_upload_over_the_size_limit_with_413(client, marketer_headers, monkeypatch):
    monkeypatch.setenv("CSV_IMPORT_MAX_BYTES", str(1024 * 1024))
    get_settings.cache_clear()
    data = b"email\n" + b"a@example.com\n" * 160_000  # 2.2 MB

    response = client.post(
        "/api/v1/contacts/import", files={"file": ("big.csv", data, "text/csv")}, headers=marketer_headers
    )

    error = assert_error(response, 413, "too_large")
    assert error["message"] == "The file is larger than 1 MB; split it into smaller files."
    assert error["details"] == [{"field": "file", "message": error["message"]}]
    assert client.get("/api/v1/contacts", headers=marketer_headers).json()["items"] == []
    get_settings.cache_clear()


def test_a_chunked_upload_without_content_length_is_refused_before_it_is_read_whole(
    engine, marketer_token, monkeypatch
):
    """The ASGI app is driven as a server would drive it: the body arrives in 64 KiB messages and
    we count how many the app asked for before it answered."""
    limit = 1024 * 1024
    monkeypatch.setenv("CSV_IMPORT_MAX_BYTES", str(limit))
    get_settings.cache_clear()
    boundary = "csvboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\nemail\n"
    ).encode()
    piece = b"a@example.com\n" * 4681  # ~64 KiB
    chunks = [head] + [piece] * 160 + [f"\r\n--{boundary}--\r\n".encode()]  # ~10 MB, ten times the limit
    read = 0

    async def receive():
        nonlocal read
        if read < len(chunks):
            read += 1
            return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}
        return {"type": "http.disconnect"}

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/contacts/import",
        "raw_path": b"/api/v1/contacts/import",
        "root_path": "",
        "query_string": b"",
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", f"Bearer {marketer_token}".encode()),
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
            (b"transfer-encoding", b"chunked"),
        ],
    }

    async def call():
        with anyio.fail_after(30):
            await create_api()(scope, receive, send)

    anyio.run(call)

    assert read * len(piece) <= limit + 64 * 1024 + 2 * len(piece), f"read {read} of {len(chunks)} chunks"
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 413
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Contact)) == 0
    get_settings.cache_clear()
