"""Headless Chromium for the tests that look at a page as a person would (the report, the
Dagster UI, the BI dashboard). Chromium comes from Debian's `chromium` package;
tools/ensure-chromium.sh installs it when /usr/bin/chromium is missing (`make test` runs it)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def ensure_chromium() -> str:
    if not Path(CHROMIUM).exists():
        subprocess.run(["bash", str(ROOT / "tools" / "ensure-chromium.sh")], check=True)
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is still missing after tools/ensure-chromium.sh"
    return CHROMIUM


def chromium(
    args: list[str], url: str, *, timeout: int = 180, window: str = "1600,1000", network_off: bool = False
) -> subprocess.CompletedProcess:
    """Run headless Chromium once on `url` with a new empty profile. `network_off`: every request
    but to loopback goes to a closed port and fails (a page that needs the network shows it)."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    offline = ["--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"] if network_off else []
    try:
        return subprocess.run(
            [
                ensure_chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                *offline,
                f"--user-data-dir={profile}",
                f"--window-size={window}",
                *args,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def dom(url: str, budget_ms: int = 20000) -> str:
    out = chromium(["--dump-dom", f"--virtual-time-budget={budget_ms}"], url)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def screenshot(url: str, name: str, budget_ms: int = 20000, window: str = "1600,1000") -> Path:
    """A screenshot kept as a test artifact (tests/artifacts/<name>)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.unlink(missing_ok=True)
    out = chromium([f"--screenshot={path}", f"--virtual-time-budget={budget_ms}"], url, window=window)
    assert out.returncode == 0 and path.exists() and path.stat().st_size > 10_000, out.stderr[-2000:]
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
