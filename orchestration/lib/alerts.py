"""Alerts without a paid plan: a Slack-compatible JSON POST to a webhook, and the scorecard
status history that tells which KPIs just turned bad.

- `post_alert(kind, text, fields)` POSTs ``{"text": ..., "blocks": [...], "kpi_alert": {...}}``
  to ``$KPI_ALERT_WEBHOOK_URL`` (Slack incoming webhooks read ``text``/``blocks``; any other
  receiver gets the structured ``kpi_alert`` object). Without a URL it only logs. A failed
  POST is logged on one line and never raises: an alert must not break the run it reports.
- `record_scorecard_statuses(con, run_id, as_of)` keeps each run's current status per KPI
  in ``meta.scorecard_status_history`` and returns the KPIs whose status turned
  ``off_track`` or ``unmeasurable`` since the previous recorded run (a KPI that stays
  off_track alerts once, not every night).

Plain Python (urllib + DuckDB), no Dagster: the Dagster side lives in defs/monitoring.py.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import duckdb

WEBHOOK_ENV = "KPI_ALERT_WEBHOOK_URL"
TIMEOUT_SECONDS = 5.0
ALERT_STATUSES = ("off_track", "unmeasurable")
#: a KPI's status is the one of its latest period at the first grain it has, in this order
GRAIN_PREFERENCE = ("month", "quarter", "year", "week", "day")

logger = logging.getLogger("kpi.alerts")

Log = Callable[[str], None]


def _where(url: str) -> str:
    """scheme://host of a webhook URL: the path of a Slack webhook is its secret."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else "(malformed URL)"


def build_payload(kind: str, text: str, fields: Mapping[str, object] | None = None) -> dict:
    fields = dict(fields or {})
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}]
    short = [(k, v) for k, v in fields.items() if not isinstance(v, (list, dict))]
    if short:
        blocks.append(
            {
                "type": "section",
                "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"[:1900]} for k, v in short[:10]],
            }
        )
    return {"text": text, "blocks": blocks, "kpi_alert": {"kind": kind, **fields}}


def post_alert(
    kind: str,
    text: str,
    fields: Mapping[str, object] | None = None,
    *,
    url: str | None = None,
    timeout: float = TIMEOUT_SECONDS,
    log: Log | None = None,
) -> bool:
    """POST one alert; True when a webhook accepted it (2xx). Never raises."""
    say = log or logger.warning
    url = url if url is not None else os.environ.get(WEBHOOK_ENV, "").strip()
    try:
        payload = build_payload(kind, text, fields)
        body = json.dumps(payload, default=str).encode()
    except Exception as exc:  # a bad field must not take the run down either
        say(f"kpi alert [{kind}]: could not build the message ({exc!r}): {text}")
        return False
    if not url:
        say(f"kpi alert [{kind}] (no {WEBHOOK_ENV} set, logged only): {text}")
        return False
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", "User-Agent": "kpi-alerts/1"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
        if 200 <= status < 300:
            say(f"kpi alert [{kind}] sent to {_where(url)}: {text.splitlines()[0]}")
            return True
        say(f"kpi alert [{kind}]: the webhook at {_where(url)} answered HTTP {status}; alert not delivered: {text}")
    except urllib.error.HTTPError as exc:
        say(f"kpi alert [{kind}]: the webhook at {_where(url)} answered HTTP {exc.code}; alert not delivered: {text}")
    except Exception as exc:  # timeouts, refused connections, DNS, bad URLs
        say(
            f"kpi alert [{kind}]: POST to {_where(url)} failed ({type(exc).__name__}: {exc}); alert not delivered: {text}"
        )
    return False


# --- scorecard status transitions ----------------------------------------------------------

HISTORY_DDL = """
create table if not exists meta.scorecard_status_history (
    run_id varchar, recorded_at timestamp, as_of date,
    kpi_id varchar, grain varchar, period_start date, status varchar, reason varchar
)"""


@dataclass(frozen=True)
class Transition:
    kpi_id: str
    grain: str
    period_start: dt.date
    previous: str | None  # None: the KPI had no status in the previous run (or there was none)
    status: str
    reason: str | None

    @property
    def line(self) -> str:
        before = self.previous or "no status"
        why = f" — {self.reason}" if self.reason else ""
        return f"{self.kpi_id} ({self.grain} {self.period_start}): {before} → {self.status}{why}"


def current_statuses(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(kpi_id, grain, period_start, status, reason): each KPI's status in marts.kpi_scorecard."""
    order = " ".join(f"when '{g}' then {i}" for i, g in enumerate(GRAIN_PREFERENCE))
    return con.execute(
        f"""
        select kpi_id, grain, cast(period_start as date), status, reason
        from marts.kpi_scorecard
        qualify row_number() over (
            partition by kpi_id order by case grain {order} else 99 end, period_start desc) = 1
        order by kpi_id"""
    ).fetchall()


def record_scorecard_statuses(
    con: duckdb.DuckDBPyConnection, run_id: str, as_of: dt.date, now: dt.datetime | None = None
) -> list[Transition]:
    """Append this run's statuses to meta.scorecard_status_history and return the KPIs whose
    status is now off_track or unmeasurable and was something else in the previous run.
    Idempotent per run id (a retried step replaces its own rows)."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.execute("create schema if not exists meta")
    con.execute(HISTORY_DDL)
    con.execute("delete from meta.scorecard_status_history where run_id = ?", [run_id])
    previous_run = con.execute(
        "select run_id from meta.scorecard_status_history order by recorded_at desc, run_id desc limit 1"
    ).fetchone()
    previous = (
        {
            k: s
            for k, s in con.execute(
                "select kpi_id, status from meta.scorecard_status_history where run_id = ?", [previous_run[0]]
            ).fetchall()
        }
        if previous_run
        else {}
    )
    current = current_statuses(con)
    if current:
        con.executemany(
            "insert into meta.scorecard_status_history values (?, ?, ?, ?, ?, ?, ?, ?)",
            [(run_id, now, as_of, k, g, p, s, r) for k, g, p, s, r in current],
        )
    return [
        Transition(k, g, p, previous.get(k), s, r)
        for k, g, p, s, r in current
        if s in ALERT_STATUSES and previous.get(k) != s
    ]


def transitions_text(transitions: list[Transition], as_of: dt.date) -> str:
    head = f":warning: {len(transitions)} KPI(s) turned off_track or unmeasurable (as of {as_of})"
    lines = [f"• {t.line}" for t in transitions[:25]]
    if len(transitions) > 25:
        lines.append(f"… and {len(transitions) - 25} more (see kpi.kpi_scorecard)")
    return "\n".join([head, *lines])
