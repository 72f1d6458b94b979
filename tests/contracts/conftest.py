"""The documented webhooks are posted through `client` (the signed-webhook client, not the API's)."""

from tests.fixtures.webhook_client import client  # noqa: F401 - the fixture
