"""The live pages' loop asks Reflex for the running app instead of importing the app module."""

from __future__ import annotations

import subprocess
import sys

from campaign_dashboard.ui import polling


def test_asking_whether_a_tab_is_connected_does_not_import_the_app_module():
    code = (
        "import asyncio, sys\n"
        "from campaign_dashboard.ui import polling\n"
        "assert asyncio.run(polling.client_connected(object())) is True\n"
        "print('campaign_dashboard.campaign_dashboard' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_each_load_retires_the_previous_loop():
    assert polling.new_poll_id() != polling.new_poll_id()
