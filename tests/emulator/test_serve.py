"""`serve()` runs the emulator as its own process, as `campaign-dashboard emulator` will."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx

from campaign_dashboard.devtools.bench.processes import free_port


def test_serve_starts_a_process_with_the_given_options():
    port = free_port()
    code = (
        "from campaign_dashboard.emulator import serve; "
        f"serve(port={port}, webhook_url='http://127.0.0.1:9', resend_rps=7, webhooks=False)"
    )
    process = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                config = httpx.get(f"http://127.0.0.1:{port}/_emulator/config").json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None, "emulator did not start"
                time.sleep(0.1)
        assert config["resend_rps"] == 7 and config["webhooks"] is False
        assert config["webhook_url"] == "http://127.0.0.1:9"
    finally:
        process.terminate()
        process.wait(timeout=10)
