"""The scorecard report (lib/report.py) as a reader sees it: written by the pipeline's
`scorecard_report` asset and by `kpi report`, opened in headless Chromium with the network
off. No script error, every chart drawn, and every figure read back from the page equals
the serving database. Screenshots go to tests/artifacts/ (gitignored) for a human look."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import browser
import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
KPI = str(Path(sys.executable).parent / "kpi")


def _chromium(args: list[str], url: str) -> subprocess.CompletedProcess:
    """The report opened with the network off, Chromium's console logged (to catch script errors)."""
    logged = ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=30000"]
    return browser.chromium([*logged, *args], url, window="1400,7000", network_off=True)


@pytest.fixture(scope="module")
def report(demo_build) -> Path:
    path = demo_build.home / "reports" / f"scorecard-{demo_build.as_of.isoformat()}.html"
    assert path.exists(), "the pipeline's scorecard_report asset wrote no report"
    return path


@pytest.fixture(scope="module")
def dom(report) -> str:
    out = _chromium(["--dump-dom"], report.as_uri())
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Uncaught" not in out.stderr, [line for line in out.stderr.splitlines() if "CONSOLE" in line][:5]
    return out.stdout


@pytest.fixture(scope="module")
def db(demo_build):
    con = duckdb.connect(str(demo_build.serving), read_only=True)
    yield con
    con.close()


def _number(text: str) -> float:
    """A figure as the page prints it ($1,234 / −$844 / 45.9% / 2.22) back to a number."""
    t = unescape(text).replace("−", "-").replace("$", "").replace(",", "").strip()
    return float(t[:-1]) / 100 if t.endswith("%") else float(t)


def _close(shown: str, value: float, unit: str | None) -> bool:
    """The printed figure is the database value rounded for display."""
    got = _number(shown)
    if unit == "ratio":
        return abs(got - value) <= 0.0005 + 1e-12
    step = 1 if abs(value) >= 100 else 0.01
    return abs(got - value) <= step / 2 + 1e-9


def test_the_report_is_one_self_contained_file(report):
    page = report.read_text(encoding="utf-8")
    assert report.stat().st_size > 1_000_000  # plotly.js is inside
    assert "Plotly.newPlot" in page
    # the markup outside the scripts references nothing on the network (plotly.js itself only
    # names its home page in a logo link that the page does not show)
    page = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "the page loads something from the network"
    assert "<link" not in page and "@import" not in page


def test_kpi_report_writes_the_report_of_the_latest_publish(demo_build, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(demo_build.home, home, ignore=shutil.ignore_patterns("reports", "tmp", "*.tmp"))
    env = {**os.environ, "KPI_HOME": str(home)}
    env.pop("KPI_SERVING_PATH", None)
    proc = subprocess.run([KPI, "report"], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    path = home / "reports" / f"scorecard-{demo_build.as_of.isoformat()}.html"
    assert f"Report: {path}" in proc.stdout and path.exists()
    refused = subprocess.run(
        [KPI, "report"], env={**env, "KPI_HOME": str(tmp_path / "empty")}, capture_output=True, text=True
    )
    assert refused.returncode == 1 and "run `kpi run` first" in refused.stderr


def test_the_page_has_no_script_error_and_every_chart_is_drawn(dom, db):
    status = re.search(r'id="report-errors"[^>]*', dom).group(0)
    errors = json.loads(unescape(re.search(r'data-errors="([^"]*)"', status).group(1)))
    charts = int(re.search(r'data-charts="(\d+)"', status).group(1))
    drawn = int(re.search(r'data-drawn="(\d+)"', status).group(1))
    assert errors == []
    kpis = db.execute("select count(*) from kpi.kpi_catalog").fetchone()[0]
    # a trend per KPI (a card chart or a small trend line) and the two waterfalls
    assert charts == kpis + 2
    assert drawn == charts


def test_screenshots(report):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    out = _chromium([f"--screenshot={shot}"], report.as_uri())
    assert out.returncode == 0 and shot.exists() and shot.stat().st_size > 100_000, out.stderr[-2000:]


def _current_scorecard(db, as_of: dt.date) -> dict[str, tuple]:
    """Per targeted KPI, its row of the latest period (month grain, else the coarser one it
    has) on or before the as-of date, straight from kpi.kpi_scorecard."""
    rows = db.execute(
        """with g as (
               select kpi_id, min(case grain when 'month' then 1 when 'quarter' then 2 when 'year' then 3
                                              when 'week' then 4 else 5 end) as rank
               from kpi.kpi_scorecard group by kpi_id),
           s as (select s.* from kpi.kpi_scorecard s join g using (kpi_id)
                 where case s.grain when 'month' then 1 when 'quarter' then 2 when 'year' then 3
                                    when 'week' then 4 else 5 end = g.rank and s.period_start <= ?)
           select s.kpi_id, s.grain, s.period_start, s.actual, s.target, s.attainment, s.projected, s.status, c.unit
           from s join kpi.kpi_catalog c using (kpi_id)
           where s.period_start = (select max(period_start) from s s2 where s2.kpi_id = s.kpi_id)""",
        [as_of],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_cards_and_statuses_equal_the_serving_database(dom, db, demo_build):
    want = _current_scorecard(db, demo_build.as_of)
    cards = re.findall(
        r'<article class="card" data-kpi="([^"]+)" data-grain="(\w+)" data-period="([\d-]+)" '
        r'data-status="(\w+)">(.*?)</article>',
        dom,
        re.S,
    )
    assert {c[0] for c in cards} == set(want) and len(cards) == len(want) > 5
    for kpi_id, grain, period, status, body in cards:
        w_grain, w_period, actual, target, attainment, projected, w_status, unit = want[kpi_id]
        assert (grain, period, status) == (w_grain, w_period.isoformat(), w_status), kpi_id
        for field, value in (("actual", actual), ("target", target), ("projected", projected)):
            raw, shown = re.search(rf'data-field="{field}" data-value="([^"]*)">([^<]*)<', body).groups()
            if value is None:
                assert raw == "" and shown == "—", (kpi_id, field)
            else:
                assert float(raw) == value and _close(shown, value, unit), (kpi_id, field, shown, value)
        raw = re.search(r'data-field="attainment" data-value="([^"]*)"', body).group(1)
        assert (raw == "" and attainment is None) or float(raw) == attainment, kpi_id
    chips = dict(re.findall(r'data-status="(\w+)" data-count="(\d+)"', dom))
    for s in ("achieved", "missed", "on_track", "at_risk", "off_track", "unmeasurable"):
        assert int(chips[s]) == sum(1 for r in want.values() if r[6] == s), s


def test_bridges_and_data_quality_equal_the_serving_database(dom, db, demo_build):
    month = db.execute(
        "select max(period_start) from kpi.kpi_values where kpi_id = 'revenue' and grain = 'month' and is_complete"
    ).fetchone()[0]
    for bridge, extra in (("revenue_bridge", "and comparison = 'previous'"), ("mrr_bridge", "")):
        block = re.search(rf'<div class="bridge" id="{bridge}" data-month="{month.isoformat()}">(.*?)<h4>', dom, re.S)
        assert block, bridge
        shown = {c: float(a) for c, a in re.findall(r'data-component="(\w+)" data-amount="([^"]+)"', block.group(1))}
        expected = dict(
            db.execute(
                f"select component, amount from kpi.{bridge} where grain = 'month' and period_start = ? {extra}",
                [month],
            ).fetchall()
        )
        assert shown == expected and len(shown) >= 4, bridge
    quarantined = {t: int(n) for t, n in re.findall(r'<tr data-table="(\w+)" data-rows="(\d+)"', dom)}
    by_table: dict[str, int] = {}
    for t, n in re.findall(r'<tr data-table="(\w+)" data-rows="(\d+)"', dom):
        by_table[t] = by_table.get(t, 0) + int(n)
    assert by_table == dict(db.execute("select table_name, count(*) from kpi.quarantine group by 1").fetchall())
    assert quarantined or not by_table
    unmeasurable = re.search(r"Values that are not measurable \(([\d,]+)\)", dom).group(1)
    assert (
        int(unmeasurable.replace(",", ""))
        == db.execute("select count(*) from kpi.kpi_values where not is_measurable").fetchone()[0]
    )


def test_trend_figures_are_the_latest_complete_month(dom, db):
    sparks = re.findall(
        r'<div class="spark" data-kpi="(\w+)" data-period="([\d-]+)">.*?data-value="([^"]*)">([^<]*)<', dom, re.S
    )
    assert len(sparks) > 20
    units = dict(db.execute("select kpi_id, unit from kpi.kpi_catalog").fetchall())
    for kpi_id, period, raw, shown in sparks:
        row = db.execute(
            "select value from kpi.kpi_values where kpi_id = ? and grain = 'month' and period_start = ?",
            [kpi_id, period],
        ).fetchone()
        value = row[0] if row else None
        if value is None:
            assert raw == "", kpi_id
        else:
            assert float(raw) == value and _close(shown, value, units[kpi_id]), (kpi_id, shown, value)
