"""`kpi ui` end to end: start it on a free port with a fresh home, open the Dagster UI in
headless Chromium, and check that the asset graph, the asset checks, the schedule and the
sensors render. Screenshots are kept in tests/artifacts/ (gitignored) for a human look.

Chromium comes from Debian's `chromium` package; tools/ensure-chromium.sh installs it
(`make test` runs it first, and this test runs it when /usr/bin/chromium is missing).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import browser
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
KPI = ROOT / ".venv" / "bin" / "kpi"
STARTUP_SECONDS = 240


def _reset_signals() -> None:
    # dagster dev started in the background inherits ignored SIGINT/SIGTERM: give them back,
    # and lead a process group of its own so the whole tree can be stopped at once.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.setsid()


def _get(url: str, timeout: float = 5.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode("utf-8", "replace")


def _graphql(base: str, query: str) -> str:
    import json

    req = urllib.request.Request(
        f"{base}/graphql", data=json.dumps({"query": query}).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read().decode()


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    home = tmp_path_factory.mktemp("ui_home")
    port = browser.free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KPI_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.pop("DAGSTER_HOME", None)
    log = open(home / "kpi-ui.log", "w")  # noqa: SIM115 (open for the whole fixture)
    proc = subprocess.Popen(
        [str(KPI), "ui", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_reset_signals,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        ready = False
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            try:
                # the server answers, and the code location has loaded (its job is known)
                if "kpi_pipeline" in _graphql(
                    base, "{ repositoriesOrError { ... on RepositoryConnection { nodes { name jobs { name } } } } }"
                ):
                    ready = True
                    break
            except OSError:
                pass
            time.sleep(2)
        if not ready:
            log.flush()
            pytest.fail(f"kpi ui did not come up in {STARTUP_SECONDS} s:\n{(home / 'kpi-ui.log').read_text()[-4000:]}")
        yield {"base": base, "home": home, "proc": proc}
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # kpi ui (its own group) stops the services it started
            proc.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        log.close()


def test_asset_graph_shows_the_layers(ui):
    url = f"{ui['base']}/asset-groups"
    text = browser.text(browser.dom(url))
    for group in ("landing", "staging", "kpis", "outputs"):
        assert group in text, f"group {group} missing from {url}"
    browser.screenshot(url, "ui-asset-groups.png")


def test_assets_and_their_checks_render(ui):
    url = f"{ui['base']}/assets/raw_orders?view=checks"
    text = browser.text(browser.dom(url))
    for check in ("table_usable", "rows_pass_contract", "fresh"):
        assert check in text, f"check {check} missing from {url}"
    browser.screenshot(url, "ui-raw-orders-checks.png")
    # each layer's asset page renders with its description (dbt descriptions come through dagster-dbt)
    for asset, words in (
        ("raw_fx_rates", "raw-contract"),
        ("kpi_values", "kpi"),
        ("published_outputs", "serving.duckdb"),
        ("alerts", "KPI_ALERT_WEBHOOK_URL"),
    ):
        url = f"{ui['base']}/assets/{asset}"
        text = browser.text(browser.dom(url))
        assert asset in text and words in text, f"{asset} page or its description missing at {url}"
    browser.screenshot(f"{ui['base']}/assets/kpi_values", "ui-kpi-values.png")


def test_schedule_and_sensors_render(ui):
    url = f"{ui['base']}/automation"
    text = browser.text(browser.dom(url))
    for name in ("kpi_nightly", "landing_zone_sensor", "kpi_run_failure_alert"):
        assert name in text, f"{name} missing from {url}"
    browser.screenshot(url, "ui-automation.png")


def test_pipeline_job_renders(ui):
    url = f"{ui['base']}/locations/orchestration.definitions/jobs/kpi_pipeline"
    dom = browser.dom(url)
    assert "kpi_pipeline" in browser.text(dom)
    browser.screenshot(url, "ui-job.png")


def _ignore_sigint_like_a_background_shell() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.setsid()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_ui_started_in_the_background_stops_on_a_signal_without_warnings(tmp_path, stop):
    """`kpi ui &` from a script: the shell hands SIGINT over ignored; a signal to kpi ui's own
    pid (not its group) stops it and the services it started, and the log carries no warning."""
    port = browser.free_port()
    env = {**os.environ, "KPI_HOME": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("DAGSTER_HOME", None)
    log_path = tmp_path / "ui.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(KPI), "ui", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_ignore_sigint_like_a_background_shell,
        )
        try:
            # up: the webserver answers, and the daemon has its code server (it evaluated a
            # sensor). A signal while a code server still starts is the case of a Ctrl-C in the
            # first seconds, whose Dagster warning ("gRPC server exited while starting up") is not
            # what this test is about.
            deadline = time.monotonic() + STARTUP_SECONDS
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    _get(f"http://127.0.0.1:{port}/server_info")
                    if "Checking for new runs for sensor" in log_path.read_text():
                        break
                except OSError:
                    pass
                time.sleep(1)
            assert proc.poll() is None, log_path.read_text()[-3000:]
            os.kill(proc.pid, stop)
            assert proc.wait(timeout=60) == 0, log_path.read_text()[-3000:]
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    # nothing of the group is left running, and the port is free again
    time.sleep(1)
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)
    with socket.socket() as s:  # nothing listens on the port any more (TIME_WAIT is fine)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
    text = log_path.read_text()
    assert f"stopped ({stop.name})" in text
    assert not re.search(r"warning", text, re.IGNORECASE), text[-3000:]
