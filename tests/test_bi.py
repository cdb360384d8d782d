"""A real BI tool reads the published numbers: Apache Superset (bi/, in its own virtual
environment bi/.venv from bi/requirements.lock, `make bi-install`), built over a copy of the
shared demo build's serving database, read-only, and its dashboard opened in headless Chromium.

The scorecard table read from the page equals kpi.kpi_scorecard of the serving database; the
revenue-by-month chart is drawn (a screenshot is kept in tests/artifacts/bi-dashboard.png).
"""

from __future__ import annotations

import html
import math
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import browser
import duckdb
import pytest
from conftest import Build

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BI = ROOT / "bi"
BI_BIN = BI / ".venv" / "bin"
DASHBOARD = "/superset/dashboard/kpi-scorecard/"
STARTUP_SECONDS = 180


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "KPI_BI_HOME": str(home),
        "SUPERSET_CONFIG_PATH": str(BI / "superset_config.py"),
        "FLASK_APP": "superset",
    }


@pytest.fixture(scope="module")
def superset(demo_build: Build, tmp_path_factory):
    assert (BI_BIN / "superset").exists(), "bi/.venv is missing: run `make bi-install` (make test does)"
    root = tmp_path_factory.mktemp("bi")
    serving = root / "serving.duckdb"
    shutil.copyfile(demo_build.serving, serving)
    build = subprocess.run(
        [str(BI_BIN / "python"), str(BI / "build.py"), str(root / "home"), str(serving)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    port = browser.free_port()
    log = (root / "superset.log").open("w")
    proc = subprocess.Popen(
        [str(BI_BIN / "superset"), "run", "-h", "127.0.0.1", "-p", str(port), "--with-threads"],
        env=_env(root / "home"),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped below by its own PID
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert proc.poll() is None, (root / "superset.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"superset did not come up in {STARTUP_SECONDS} s")
            time.sleep(1)
        yield {"base": base, "serving": serving}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        log.close()


def _cells(page: str) -> list[dict[str, str | None]]:
    """The rows of the dashboard's table chart: column -> the cell's full value (its title, as
    Superset keeps numbers there) or its text; None for an empty cell."""
    rows: list[dict[str, str | None]] = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S):
        row: dict[str, str | None] = {}
        for attrs, body in re.findall(r"<td([^>]*)>(.*?)</td>", tr, re.S):
            column = re.search(r'aria-labelledby="header-([^"]+)"', attrs)
            if not column:
                continue
            title = re.search(r'title="([^"]*)"', attrs)
            value = html.unescape(title[1]) if title else browser.text(body).strip()
            row[column[1]] = value or None
        if row:
            rows.append(row)
    return rows


def test_the_dashboard_shows_the_serving_databases_scorecard(superset):
    page = browser.dom(superset["base"] + DASHBOARD, budget_ms=30000)
    rows = {r["kpi_id"]: r for r in _cells(page) if r.get("kpi_id")}
    with duckdb.connect(str(superset["serving"]), read_only=True) as con:
        want = con.execute(
            "select kpi_id, actual, target, status from kpi.kpi_scorecard where grain = 'month' and period_start"
            " = (select max(period_start) from kpi.kpi_scorecard where grain = 'month') order by kpi_id"
        ).fetchall()
    assert want, "the demo build has a scorecard"
    assert sorted(rows) == [k for k, *_ in want]
    for kpi_id, actual, target, status in want:
        row = rows[kpi_id]
        assert row["status"] == status, kpi_id
        for column, expected in (("actual", actual), ("target", target)):
            shown = row[column]
            if expected is None:
                assert shown is None, (kpi_id, column, shown)
            else:
                assert shown is not None and math.isclose(float(shown), expected, rel_tol=1e-9), (
                    kpi_id,
                    column,
                    shown,
                    expected,
                )


def test_the_revenue_chart_is_drawn(superset):
    page = browser.dom(superset["base"] + DASHBOARD, budget_ms=30000)
    assert "Revenue by month" in browser.text(page)
    assert "<canvas" in page  # ECharts draws the line on a canvas
    shot = browser.screenshot(superset["base"] + DASHBOARD, "bi-dashboard.png", budget_ms=30000)
    assert shot.stat().st_size > 30_000  # a drawn dashboard, not a blank page
