"""Security tests reuse the API fixtures (client, tokens, db)."""

from tests.api.conftest import (  # noqa: F401 - fixtures
    admin_headers,
    admin_token,
    client,
    db,
    marketer_headers,
    marketer_token,
    viewer_headers,
    viewer_token,
)
