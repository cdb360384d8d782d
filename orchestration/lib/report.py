"""The scorecard report: one self-contained HTML file a CFO or a team lead can open.

`<home>/reports/scorecard-<as_of>.html`, written by `kpi report` and by the Dagster asset
`scorecard_report` after each publish. Every number on it is read from the serving
database (read-only); the planned allocations come from the target declarations.

Sections: a header of statuses; per balanced-scorecard perspective a card per targeted KPI
(actual against the target path over the last 13 months, attainment, projection, status
and reason); the KPI tree (company KPIs and the team KPIs aligned to them); the revenue and
MRR bridges of the latest complete month as waterfalls, beside the planned allocation; a
data-quality panel (quarantined rows and rejected files by table, every unmeasurable value
with its reason); small trend lines for the KPIs without a target.

Charts are Plotly (plotly.js embedded once in the page: no network at view time). Each
figure shown also sits in the element's `data-*` attributes, so a test can read the page
back and compare it with the database.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.lib.periods import label, period_start, shift
from orchestration.lib.scorecard import (
    BRIDGE_OF_KPI,
    STATUSES,
    allocation_check,
    kpi_tree,
    select_rows,
)
from orchestration.lib.targets import PERSPECTIVES, load_declarations

#: how many months the trend charts show
MONTHS = 13
STATUS_COLOURS = {
    "achieved": "#1a7f37",
    "on_track": "#2da44e",
    "at_risk": "#bf8700",
    "off_track": "#cf222e",
    "missed": "#a40e26",
    "unmeasurable": "#6e7781",
}
BRIDGE_ORDER = {
    "revenue_bridge": ["new_customers", "lost_customers", "price", "volume"],
    "mrr_bridge": ["new", "reactivation", "expansion", "contraction", "churned", "fx"],
}


def report_path(reports: Path, as_of: dt.date) -> Path:
    return reports / f"scorecard-{as_of.isoformat()}.html"


def write_report(serving: Path, reports: Path, as_of: dt.date, declarations_folder: Path | None = None) -> Path:
    """Render the report of `as_of` from `serving` into `reports/`; returns its path."""
    page = render_report(serving, as_of, declarations_folder)
    reports.mkdir(parents=True, exist_ok=True)
    path = report_path(reports, as_of)
    part = path.with_name(path.name + ".tmp")
    part.write_text(page, encoding="utf-8")
    part.replace(path)
    return path


# --- reading ---------------------------------------------------------------------------------


class _Data:
    """What the page shows, read once from the serving database."""

    def __init__(self, serving: Path, as_of: dt.date, declarations_folder: Path | None):
        with duckdb.connect(str(serving), read_only=True) as con:
            self.catalog = con.sql("select * from kpi.kpi_catalog order by kpi_id").df()
            self.scorecard = con.sql("select * from kpi.kpi_scorecard").df()
            self.targets = con.sql("select * from kpi.kpi_targets where grain = 'month'").df()
            self.values = con.sql(
                "select kpi_id, grain, period_start, value, is_complete, is_measurable, quality_issues "
                "from kpi.kpi_values"
            ).df()
            self.bridges = {b: con.sql(f"select * from kpi.{b}").df() for b in ("revenue_bridge", "mrr_bridge")}
            self.quarantine = con.sql(
                "select table_name, rule, count(*) as n from kpi.quarantine group by all order by table_name, n desc"
            ).df()
            self.rejected = con.sql(
                "select table_name, file_name, reason from kpi.rejected_files order by table_name, file_name"
            ).df()
        for frame in (self.scorecard, self.targets, self.values, *self.bridges.values()):
            frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
        self.as_of = as_of
        self.month = period_start("month", as_of)
        self.months = [shift("month", self.month, -i) for i in range(MONTHS - 1, -1, -1)]
        #: the latest month that is complete on the as-of date
        last_day = shift("month", self.month, 1) - dt.timedelta(days=1)
        self.complete_month = self.month if as_of >= last_day else shift("month", self.month, -1)
        self.info = self.catalog.set_index("kpi_id").to_dict("index")
        declarations = load_declarations(declarations_folder)
        self.order = [d.kpi for d in declarations]
        self.allocations = allocation_check(declarations, self.bridges, self.values)
        monthly = self.values[self.values["grain"] == "month"]
        self.monthly = {k: g.set_index("period_start") for k, g in monthly.groupby("kpi_id")}
        complete = monthly[(monthly["kpi_id"] == "revenue") & monthly["is_complete"]]
        self.bridge_month = complete["period_start"].max() if not complete.empty else None

    def current_rows(self) -> pd.DataFrame:
        """Per targeted KPI, its scorecard row of the period containing the as-of date."""
        rows = select_rows(self.scorecard, "month", self.as_of)
        if rows.empty:
            return rows
        latest = rows.groupby("kpi_id")["period_start"].transform("max")
        return rows[rows["period_start"] == latest]


# --- numbers for people ----------------------------------------------------------------------


def show(value: float | None, unit: str | None) -> str:
    """A number as the page shows it: ratios as percentages, money with a $ sign."""
    if value is None or pd.isna(value):
        return "—"
    if unit == "ratio":
        return f"{value:.1%}"
    if unit == "USD":
        sign = "−" if value < 0 else ""
        return f"{sign}${abs(value):,.0f}" if abs(value) >= 100 else f"{sign}${abs(value):,.2f}"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _esc(x: object) -> str:
    return html.escape("" if x is None or (isinstance(x, float) and pd.isna(x)) else str(x), quote=True)


def _num_attr(x: float | None) -> str:
    return "" if x is None or pd.isna(x) else repr(float(x))


# --- charts ----------------------------------------------------------------------------------


_LAYOUT = {
    "margin": {"l": 40, "r": 10, "t": 10, "b": 30},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "font": {"family": "system-ui, sans-serif", "size": 11},
    "showlegend": False,
}


@cache
def _template() -> dict:
    """The default plotly template, as a figure object would carry it in its layout."""
    import plotly.io as pio

    return pio.templates[pio.templates.default].to_plotly_json()


def _figure_html(fig: dict, div_id: str) -> str:
    """The chart's <div>. `fig`: a figure as a plain dict (data, layout), with the default
    template and the report's common layout, written without plotly's check of every property
    (about 5 ms a chart, and the report draws one per KPI)."""
    import plotly.io as pio

    fig = {"data": fig["data"], "layout": {"template": _template(), **fig["layout"], **_LAYOUT}}
    config = {"displayModeBar": False, "responsive": True}
    return pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=div_id, config=config, validate=False)


def _trend_chart(data: _Data, kpi_id: str, with_target: bool, height: int) -> str:
    """The last 13 months of a KPI; the incomplete current month as an open marker."""
    values = data.monthly.get(kpi_id)
    xs = [m.isoformat() for m in data.months]
    ys = [_value(data, kpi_id, m) for m in data.months]
    complete = [values is not None and m in values.index and bool(values.at[m, "is_complete"]) for m in data.months]
    traces = [
        {
            "type": "scatter",
            "x": xs,
            "y": ys,
            "mode": "lines+markers",
            "name": "actual",
            "line": {"color": "#0969da", "width": 2},
            "marker": {"symbol": ["circle" if c else "circle-open" for c in complete], "size": 7},
        }
    ]
    if with_target:
        t = data.targets[data.targets["kpi_id"] == kpi_id].set_index("period_start")["target_value"]
        ts = [float(t[m]) if m in t.index else None for m in data.months]
        traces.append(
            {
                "type": "scatter",
                "x": xs,
                "y": ts,
                "mode": "lines",
                "name": "target",
                "line": {"color": "#8250df", "dash": "dash", "width": 2},
            }
        )
    unit = data.info.get(kpi_id, {}).get("unit")
    small = max((abs(y) for y in ys if y is not None), default=1) < 0.1
    layout = {
        "height": height,
        "yaxis": {"tickformat": (".1%" if small else ".0%") if unit == "ratio" else "~s", "gridcolor": "#eaeef2"},
        "xaxis": {"tickformat": "%b %y", "showgrid": False, "nticks": 4 if height < 120 else 7, "tickangle": 0},
    }
    return _figure_html({"data": traces, "layout": layout}, f"trend-{kpi_id}")


def _waterfall(data: _Data, bridge: str, month: dt.date) -> tuple[str, dict[str, float]]:
    b = data.bridges[bridge]
    b = b[(b["grain"] == "month") & (b["period_start"] == month)]
    if "comparison" in b.columns:
        b = b[b["comparison"] == "previous"]
    amounts = b.groupby("component")["amount"].sum().to_dict()
    kpi = next(k for k, v in BRIDGE_OF_KPI.items() if v == bridge)
    before = _value(data, kpi, shift("month", month, -1))
    after = _value(data, kpi, month)
    order = [c for c in BRIDGE_ORDER[bridge] if c in amounts]
    trace = {
        "type": "waterfall",
        "x": [label("month", shift("month", month, -1)), *order, label("month", month)],
        "measure": ["absolute", *["relative"] * len(order), "total"],
        "y": [before or 0.0, *[float(amounts[c]) for c in order], 0.0],
        "connector": {"line": {"color": "#8c959f"}},
        "increasing": {"marker": {"color": "#2da44e"}},
        "decreasing": {"marker": {"color": "#cf222e"}},
        "totals": {"marker": {"color": "#0969da"}},
    }
    layout = {
        "height": 320,
        "width": 640,
        "xaxis": {"type": "category"},
        "yaxis": {"tickformat": "~s", "gridcolor": "#eaeef2"},
    }
    shown = {c: float(amounts[c]) for c in order}
    if after is not None:
        shown["__end__"] = after
    return _figure_html({"data": [trace], "layout": layout}, f"waterfall-{bridge}"), shown


def _value(data: _Data, kpi_id: str, month: dt.date) -> float | None:
    values = data.monthly.get(kpi_id)
    if values is None or month not in values.index:
        return None
    v = values.at[month, "value"]
    return None if pd.isna(v) else float(v)


# --- sections --------------------------------------------------------------------------------


def _header(data: _Data, current: pd.DataFrame) -> str:
    counts = current["status"].value_counts().to_dict() if not current.empty else {}
    chips = "".join(
        f'<span class="chip" data-status="{s}" data-count="{counts.get(s, 0)}" style="background:{STATUS_COLOURS[s]}">'
        f"{s.replace('_', ' ')} <b>{counts.get(s, 0)}</b></span>"
        for s in STATUSES
    )
    return (
        f'<header><h1>KPI scorecard</h1><p class="sub">as of {data.as_of.isoformat()} · '
        f"{len(current)} targeted KPIs, current period {label('month', data.month)} · "
        f"{len(data.catalog)} KPIs published</p>"
        f'<div class="chips" id="statuses">{chips}</div></header>'
    )


def _card(data: _Data, row) -> str:
    info = data.info.get(row.kpi_id, {})
    unit = info.get("unit")
    status = row.status
    facts = [
        ("actual", row.actual, show(row.actual, unit)),
        ("target", row.target, show(row.target, unit)),
        ("attainment", row.attainment, "—" if pd.isna(row.attainment) else f"{row.attainment:.0%}"),
        ("projected", row.projected, show(row.projected, unit)),
    ]
    cells = "".join(
        f'<div class="fact"><span class="k">{k}</span><span class="v" data-field="{k}" '
        f'data-value="{_num_attr(v)}">{_esc(text)}</span></div>'
        for k, v, text in facts
    )
    owner = info.get("owner")
    return (
        f'<article class="card" data-kpi="{_esc(row.kpi_id)}" data-grain="{_esc(row.grain)}" '
        f'data-period="{row.period_start.isoformat()}" data-status="{_esc(status)}">'
        f'<div class="card-head"><h3>{_esc(info.get("name") or row.kpi_id)}</h3>'
        f'<span class="badge" style="background:{STATUS_COLOURS.get(status, "#6e7781")}">'
        f"{_esc(str(status).replace('_', ' '))}</span></div>"
        f'<p class="meta">{_esc(label(row.grain, row.period_start))}'
        f"{' · ' + _esc(owner) if owner else ''}</p>"
        f'<div class="facts">{cells}</div>'
        f'<p class="reason">{_esc(row.reason)}</p>'
        f"{_trend_chart(data, row.kpi_id, True, 170)}</article>"
    )


def _perspectives(data: _Data, current: pd.DataFrame) -> str:
    by_kpi = {r.kpi_id: r for r in current.itertuples(index=False)}
    tree = kpi_tree(list(by_kpi), data.catalog, data.order)
    out = []
    for key, title in PERSPECTIVES.items():
        cards = [_card(data, by_kpi[k]) for k, _, p in tree if p == key]
        if cards:
            out.append(
                f'<section class="perspective" id="perspective-{key}"><h2>{title}</h2>'
                f'<div class="cards">{"".join(cards)}</div></section>'
            )
    return "".join(out)


def _tree_section(data: _Data, current: pd.DataFrame) -> str:
    by_kpi = {r.kpi_id: r for r in current.itertuples(index=False)}
    items = []
    for kpi_id, depth, _ in kpi_tree(list(by_kpi), data.catalog, data.order):
        row = by_kpi[kpi_id]
        info = data.info.get(kpi_id, {})
        level = "team" if info.get("aligns_to") else "company"
        items.append(
            f'<li class="node" data-kpi="{_esc(kpi_id)}" data-depth="{depth}" style="margin-left:{depth * 28}px">'
            f'<span class="dot" style="background:{STATUS_COLOURS.get(row.status, "#6e7781")}"></span>'
            f"<b>{_esc(info.get('name') or kpi_id)}</b> <span class='lvl'>{level}</span>"
            f"{' → aligns to ' + _esc(info.get('aligns_to')) if info.get('aligns_to') else ''}"
            f" <span class='st'>{_esc(row.status)}</span></li>"
        )
    return f'<section id="kpi-tree"><h2>KPI tree</h2><ul class="tree">{"".join(items)}</ul></section>'


def _bridges_section(data: _Data) -> str:
    if data.bridge_month is None:
        return '<section id="bridges"><h2>Bridges</h2><p>No complete month of revenue yet.</p></section>'
    month = data.bridge_month
    blocks = []
    for bridge, title in (("revenue_bridge", "Revenue bridge"), ("mrr_bridge", "MRR bridge")):
        chart, shown = _waterfall(data, bridge, month)
        kpi = next(k for k, v in BRIDGE_OF_KPI.items() if v == bridge)
        rows = "".join(
            f'<tr data-component="{_esc(c)}" data-amount="{_num_attr(a)}"><td>{_esc(c)}</td>'
            f'<td class="n">{show(a, "USD")}</td></tr>'
            for c, a in shown.items()
            if c != "__end__"
        )
        alloc = data.allocations
        alloc = (
            alloc[(alloc["kpi_id"] == kpi) & (alloc["grain"] == "month") & (alloc["period_start"] == month)]
            if not alloc.empty
            else alloc
        )
        if alloc.empty:
            plan = f"<p class='muted'>No allocation was planned for {label('month', month)}.</p>"
        else:
            plan = (
                "<table class='alloc'><tr><th>driver</th><th>planned</th><th>actual</th><th>difference</th></tr>"
                + "".join(
                    f'<tr data-driver="{_esc(r.driver)}"><td>{_esc(r.driver)}</td><td class="n">{show(r.allocated, "USD")}</td>'
                    f'<td class="n">{show(r.actual, "USD")}</td><td class="n">{show(r.difference, "USD")}</td></tr>'
                    for r in alloc.itertuples(index=False)
                )
                + "</table>"
            )
        blocks.append(
            f'<div class="bridge" id="{bridge}" data-month="{month.isoformat()}"><h3>{title} · '
            f"{label('month', month)} vs {label('month', shift('month', month, -1))}</h3>"
            f'<div class="bridge-row"><div class="chart">{chart}</div><div class="side">'
            f'<table class="components">{rows}</table><h4>Planned allocation</h4>{plan}</div></div></div>'
        )
    return f'<section id="bridges"><h2>Bridges of the latest complete month</h2>{"".join(blocks)}</section>'


def _quality_section(data: _Data) -> str:
    q = (
        "".join(
            f'<tr data-table="{_esc(r.table_name)}" data-rows="{int(r.n)}"><td>{_esc(r.table_name)}</td>'
            f'<td>{_esc(r.rule)}</td><td class="n">{int(r.n):,}</td></tr>'
            for r in data.quarantine.itertuples(index=False)
        )
        or "<tr><td colspan=3>No row was quarantined.</td></tr>"
    )
    rej = (
        "".join(
            f'<tr data-table="{_esc(r.table_name)}"><td>{_esc(r.table_name)}</td><td>{_esc(r.file_name)}</td>'
            f"<td>{_esc(r.reason)}</td></tr>"
            for r in data.rejected.itertuples(index=False)
        )
        or "<tr><td colspan=3>No file was rejected.</td></tr>"
    )
    un = data.values[~data.values["is_measurable"].astype(bool)].sort_values(["kpi_id", "grain", "period_start"])
    names = {k: v.get("name") or k for k, v in data.info.items()}
    unm = (
        "".join(
            f'<tr data-kpi="{_esc(r.kpi_id)}" data-grain="{_esc(r.grain)}" data-period="{r.period_start.isoformat()}">'
            f"<td>{_esc(names.get(r.kpi_id, r.kpi_id))}</td><td>{_esc(r.grain)}</td>"
            f"<td>{_esc(label(r.grain, r.period_start))}</td><td>{_esc(r.quality_issues)}</td></tr>"
            for r in un.itertuples(index=False)
        )
        or "<tr><td colspan=4>Every value is measurable.</td></tr>"
    )
    return (
        '<section id="data-quality"><h2>Data quality</h2>'
        '<div class="two"><div><h3>Quarantined rows by table and rule</h3>'
        f'<table id="quarantine"><tr><th>table</th><th>rule</th><th>rows</th></tr>{q}</table></div>'
        "<div><h3>Rejected files</h3>"
        f'<table id="rejected"><tr><th>table</th><th>file</th><th>reason</th></tr>{rej}</table></div></div>'
        f'<h3>Values that are not measurable ({len(un):,})</h3><div class="scroll">'
        f'<table id="unmeasurable"><tr><th>KPI</th><th>grain</th><th>period</th><th>why</th></tr>{unm}</table>'
        "</div></section>"
    )


def _untargeted_section(data: _Data, targeted: set[str]) -> str:
    """A small trend per KPI without a target; the figure beside its name is the latest
    complete month's."""
    month = data.complete_month
    cells = []
    for r in data.catalog.itertuples(index=False):
        if r.kpi_id in targeted:
            continue
        latest = _value(data, r.kpi_id, month) if month else None
        cells.append(
            f'<div class="spark" data-kpi="{_esc(r.kpi_id)}" data-period="{month.isoformat() if month else ""}">'
            f'<div class="spark-head"><b>{_esc(r.name)}</b>'
            f'<span class="v" data-value="{_num_attr(latest)}">{_esc(show(latest, r.unit))}</span></div>'
            f"{_trend_chart(data, r.kpi_id, False, 90)}</div>"
        )
    when = f" (figures: {label('month', month)})" if month else ""
    return (
        f'<section id="trends"><h2>KPIs without a target{when}</h2><div class="sparks">{"".join(cells)}</div></section>'
    )


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;background:#f6f8fa;color:#1f2328}
header{background:#fff;padding:20px 32px;border-bottom:1px solid #d0d7de}
h1{margin:0 0 4px;font-size:24px} h2{font-size:19px;margin:28px 0 12px} h3{font-size:15px;margin:0}
main{padding:0 32px 40px} .sub,.meta,.muted{color:#656d76;font-size:13px;margin:4px 0}
.chips{display:flex;gap:8px;flex-wrap:wrap;margin-top:12px}
.chip{color:#fff;border-radius:14px;padding:4px 12px;font-size:13px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:16px}
.card,.bridge,.spark,#kpi-tree,#data-quality{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:14px}
.card-head{display:flex;justify-content:space-between;align-items:center;gap:8px}
.badge{color:#fff;border-radius:12px;padding:2px 10px;font-size:12px;white-space:nowrap}
.facts{display:grid;grid-template-columns:repeat(4,1fr);gap:6px;margin:10px 0}
.fact{display:flex;flex-direction:column}.fact .k{font-size:11px;color:#656d76}.fact .v{font-size:15px;font-weight:600}
.reason{font-size:12px;color:#424a53;min-height:32px;margin:4px 0}
.tree{list-style:none;padding:0}.node{padding:4px 0}.dot{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:8px}
.lvl,.st{font-size:12px;color:#656d76;margin-left:6px}
.bridge{margin-bottom:16px}.bridge-row{display:flex;gap:16px;flex-wrap:wrap}.chart{flex:0 0 650px}.side{flex:1;min-width:260px}
table{border-collapse:collapse;font-size:13px;width:100%} td,th{padding:4px 8px;border-bottom:1px solid #eaeef2;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.two{display:grid;grid-template-columns:1fr 1fr;gap:24px}.scroll{max-height:420px;overflow:auto}
.sparks{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:12px}
.spark-head{display:flex;justify-content:space-between;font-size:13px}
#report-errors{display:none}
"""

# Collects any script error of the page, so a test (or a curious reader) can see it.
_ERRORS_JS = """
window.__reportErrors = [];
window.addEventListener('error', function (e) { window.__reportErrors.push(String(e.message)); });
function __reportStatus() {
  var el = document.getElementById('report-errors');
  var charts = document.querySelectorAll('.plotly-graph-div');
  var drawn = 0;
  charts.forEach(function (c) { if (c.querySelector('svg.main-svg')) { drawn += 1; } });
  el.setAttribute('data-errors', JSON.stringify(window.__reportErrors));
  el.setAttribute('data-charts', String(charts.length));
  el.setAttribute('data-drawn', String(drawn));
}
window.addEventListener('load', function () { __reportStatus(); setTimeout(__reportStatus, 500); });
"""


def render_report(serving: Path, as_of: dt.date, declarations_folder: Path | None = None) -> str:
    """The whole page as one string (plotly.js inline)."""
    from plotly.offline import get_plotlyjs

    data = _Data(serving, as_of, declarations_folder)
    current = data.current_rows()
    targeted = set(current["kpi_id"]) if not current.empty else set()
    body = "".join(
        [
            _header(data, current),
            "<main>",
            _perspectives(data, current),
            _tree_section(data, current) if not current.empty else "",
            _bridges_section(data),
            _quality_section(data),
            _untargeted_section(data, targeted),
            "</main>",
        ]
    )
    meta = json.dumps({"as_of": as_of.isoformat(), "serving": str(serving)})
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>KPI scorecard · {as_of.isoformat()}</title>"
        f"<style>{_CSS}</style><script>{_ERRORS_JS}</script>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head>'
        f"<body data-report='{html.escape(meta, quote=True)}'>{body}"
        "<div id='report-errors'></div></body></html>"
    )
