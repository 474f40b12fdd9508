"""Opening a page in Debian's headless Chromium for the browser tests, with DNS for every host
broken and a net log of every request; shared by the Data Docs and the report tests."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

needs_chromium = pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium not installed")
# Chromium's own background services (Google hosts) are not the page's doing.
BROWSER_SERVICE_RE = re.compile(r"^https?://[^/]*\.(?:google\.com|googleapis\.com|gvt1\.com|gstatic\.com)(?::\d+)?/")


def run_chromium(page: Path, workdir: Path, name: str, mode: list[str]) -> tuple[subprocess.CompletedProcess, Path]:
    """Open `page`; `mode` is e.g. ["--dump-dom"] or ["--screenshot=..."]. Returns the process and its net log."""
    net_log = workdir / f"{name}-netlog.json"
    proc = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-extensions",
            "--disable-sync",
            "--no-default-browser-check",
            "--metrics-recording-only",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
            f"--user-data-dir={workdir / f'profile-{name}'}",
            f"--log-net-log={net_log}",
            "--virtual-time-budget=5000",
            *mode,
            page.as_uri(),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=120,
    )
    return proc, net_log


def console_messages(stderr: str) -> list[str]:
    """What the page wrote to the console (Chromium logs each message as a CONSOLE line)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def requested_urls(net_log: Path) -> list[str]:
    """Every URL in the net log; skips the test when this chromium wrote none."""
    if not net_log.is_file():
        pytest.skip("this chromium wrote no net log")
    text = net_log.read_text(encoding="utf-8", errors="replace")
    try:
        events = json.loads(text).get("events", [])
        urls = [str(e.get("params", {}).get("url", "")) for e in events]
    except json.JSONDecodeError:  # the log is left unterminated if chromium is killed
        urls = re.findall(r'"url":\s*"([^"]+)"', text)
    return sorted({u for u in urls if u})
