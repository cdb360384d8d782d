"""`kpi scorecard`: the balanced scorecard from the serving database.

Grouped by perspective (financial, customer, internal process, learning and growth), team
KPIs indented under the KPI they align to, the current period and the one before, status
in colour, and the planned vs actual drivers where an allocation is declared."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys

PERSPECTIVES = {
    "financial": "Financial",
    "customer": "Customer",
    "internal_process": "Internal process",
    "learning_growth": "Learning and growth",
}
COLOURS = {
    "achieved": "32",  # green
    "on_track": "32",
    "at_risk": "33",  # yellow
    "off_track": "31",  # red
    "missed": "31",
    "unmeasurable": "90",  # grey
}
GRAINS = ("month", "quarter", "year", "week", "day")


def configure(parser: argparse.ArgumentParser) -> None:
    from orchestration.commands.args import date

    parser.add_argument(
        "--as-of", metavar="DATE", type=date, help="show the period containing DATE (default: the latest)"
    )
    parser.add_argument("--grain", default="month", choices=GRAINS, help="period grain (default: month)")
    parser.add_argument("--format", default="table", choices=("table", "json", "csv"), help="output format")
    parser.add_argument("--all", action="store_true", help="json/csv: every period up to the as-of date")


def use_colour(stream) -> bool:
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def load_scorecard(serving_path):
    """(scorecard, catalog, allocation check) from the serving database."""
    import duckdb
    import pandas as pd

    from orchestration.lib.scorecard import allocation_check
    from orchestration.lib.targets import load_declarations

    with duckdb.connect(str(serving_path), read_only=True) as con:
        tables = set(
            con.execute("select table_name from information_schema.tables where table_schema = 'kpi'").df()[
                "table_name"
            ]
        )
        scorecard = con.sql("select * from kpi.kpi_scorecard").df()
        catalog = con.sql("select * from kpi.kpi_catalog").df() if "kpi_catalog" in tables else pd.DataFrame()
        bridges = {t: con.sql(f"select * from kpi.{t}").df() for t in ("revenue_bridge", "mrr_bridge") if t in tables}
        values = (
            con.sql("select kpi_id, grain, period_start, value, is_complete from kpi.kpi_values").df()
            if "kpi_values" in tables
            else None
        )
    scorecard["period_start"] = pd.to_datetime(scorecard["period_start"]).dt.date
    check = allocation_check(load_declarations(), bridges, values)
    return scorecard, catalog, check


def select_rows(scorecard, grain: str, as_of: dt.date | None, every_period: bool = False):
    """Per KPI: the period at `grain` containing `as_of` (default: the latest) and the one
    before. A KPI without targets at `grain` shows its finest targeted grain instead."""
    from orchestration.lib.targets import period_start, shift

    rows = []
    for _kpi, group in scorecard.groupby("kpi_id", sort=False):
        grains = [grain] + [g for g in GRAINS if g != grain]
        use = next((g for g in grains if (group["grain"] == g).any()), None)
        part = group[group["grain"] == use]
        if as_of is not None:
            part = part[part["period_start"] <= as_of]
        if part.empty:
            continue
        if not every_period:
            current = period_start(use, as_of) if as_of else part["period_start"].max()
            part = part[part["period_start"].isin([current, shift(use, current, -1)])]
        rows.append(part)
    import pandas as pd

    return pd.concat(rows).sort_values(["kpi_id", "period_start"]) if rows else scorecard.head(0)


def _show(x, unit) -> str:
    """A number in a table cell: ratios as percentages, money and counts with separators."""
    import pandas as pd

    if x is None or pd.isna(x):
        return "—"
    if unit == "ratio":
        return f"{x:.1%}"
    if abs(x) >= 10 or float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.2f}"


def _tree(kpis: list[str], catalog, order: list[str] | None = None) -> list[tuple[str, int, str]]:
    """(kpi_id, depth, perspective) in print order: each perspective's top KPIs, each
    followed by the KPIs aligned to it (recursively)."""
    info = catalog.set_index("kpi_id").to_dict("index") if not catalog.empty else {}
    shown = set(kpis)
    parent = {k: (info.get(k, {}).get("aligns_to") or None) for k in kpis}
    parent = {k: (p if p in shown and p != k else None) for k, p in parent.items()}
    children: dict[str, list[str]] = {}
    for k in kpis:
        if parent[k]:
            children.setdefault(parent[k], []).append(k)
    position = {k: i for i, k in enumerate(order or [])}
    printed: list[tuple[str, int, str]] = []
    seen: set[str] = set()

    def walk(k: str, depth: int, perspective: str) -> None:
        if k in seen:
            return
        seen.add(k)
        printed.append((k, depth, perspective))
        for child in sorted(children.get(k, []), key=lambda c: (position.get(c, len(position)), c)):
            walk(child, depth + 1, perspective)

    def perspective_of(k: str) -> str:
        return str(info.get(k, {}).get("perspective") or "other")

    rank = {p: i for i, p in enumerate(PERSPECTIVES)}
    roots = sorted(
        (k for k in kpis if parent[k] is None),
        key=lambda k: (rank.get(perspective_of(k), 99), position.get(k, len(position)), k),
    )
    for k in roots:
        walk(k, 0, perspective_of(k))
    for k in kpis:  # alignment cycles: still show them
        walk(k, 0, perspective_of(k))
    return printed


def render_table(
    rows, catalog, check, grain: str, as_of: dt.date | None, colour: bool, order: list[str] | None = None
) -> str:
    import pandas as pd

    from orchestration.lib.scorecard import allocation_summary
    from orchestration.lib.targets import label

    info = catalog.set_index("kpi_id").to_dict("index") if not catalog.empty else {}
    latest = max(rows["period_start"]) if not rows.empty else None
    title = f"KPI scorecard · {grain}" + (f" · as of {as_of.isoformat()}" if as_of else "")
    if latest is not None and as_of is None:
        title += f" · latest period {label(grain, latest)}"
    lines = [title, ""]
    if rows.empty:
        return "\n".join([*lines, "No targeted KPI has a period to show. Declare targets in dbt_project/targets."])
    tree = _tree(list(dict.fromkeys(rows["kpi_id"])), catalog, order)

    def full_name(kpi: str, depth: int) -> str:
        meta = info.get(kpi, {})
        unit = meta.get("unit")
        return "  " * depth + ("└ " if depth else "") + str(meta.get("name") or kpi) + (f" ({unit})" if unit else "")

    # the KPI column is as wide as the longest name (never cut), at least 36
    width = max([36] + [len(full_name(k, d)) for k, d, _ in tree])
    header = f"  {'KPI':<{width}} {'period':<9} {'actual':>13} {'target':>13} {'attain.':>8}  {'status':<12} why"
    current_perspective = None
    for kpi, depth, perspective in tree:
        if perspective != current_perspective:
            if current_perspective is not None:
                lines.append("")
            lines.append(PERSPECTIVES.get(perspective, perspective.replace("_", " ").capitalize()).upper())
            lines.append(header)
            current_perspective = perspective
        meta = info.get(kpi, {})
        unit = meta.get("unit")
        shown_name = full_name(kpi, depth)
        first = True
        for r in rows[rows["kpi_id"] == kpi].itertuples(index=False):
            status = r.status
            padded = f"{status:<12}"
            if colour:
                padded = f"\x1b[{COLOURS.get(status, '0')}m{padded}\x1b[0m"
            attainment = "" if pd.isna(r.attainment) else f"{r.attainment:.0%}"
            lines.append(
                f"  {(shown_name if first else ''):<{width}} {label(r.grain, r.period_start):<9} "
                f"{_show(r.actual, unit):>13} {_show(r.target, unit):>13} {attainment:>8}  {padded} {r.reason}"
            )
            first = False
        owner = meta.get("owner")
        indent = "  " + "  " * depth + "  "
        if owner and isinstance(owner, str):
            lines.append(f"{indent}owner: {owner}")
        if check is not None and not check.empty:
            shown = check[check["period_start"].isin(set(rows.loc[rows["kpi_id"] == kpi, "period_start"]))]
            for line in allocation_summary(shown, kpi):
                lines.append(f"{indent}drivers {line}")
    counts = rows.groupby("status").size().to_dict()
    lines += ["", "  " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))]
    return "\n".join(lines)


def print_scorecard(
    serving_path=None,
    grain: str = "month",
    as_of: dt.date | None = None,
    fmt: str = "table",
    every_period: bool = False,
    out=None,
) -> int:
    """Print the scorecard from the serving database (`kpi run` calls this at its end).
    Returns 0, or 1 when there is no scorecard to print."""
    from pathlib import Path

    from orchestration.lib.settings import Home

    out = out or sys.stdout
    path = Path(serving_path) if serving_path else Home.from_env().serving
    if not path.exists():
        print(f"kpi scorecard: no serving database at {path}; run `kpi run` first", file=sys.stderr)
        return 1
    import duckdb

    try:
        scorecard, catalog, check = load_scorecard(path)
    except duckdb.CatalogException:
        print(f"kpi scorecard: {path} has no kpi.kpi_scorecard; run `kpi run` first", file=sys.stderr)
        return 1
    rows = select_rows(scorecard, grain, as_of, every_period and fmt != "table")
    if fmt == "table":
        from orchestration.lib.targets import load_declarations

        order = [d.kpi for d in load_declarations()]
        print(render_table(rows, catalog, check, grain, as_of, use_colour(out), order), file=out)
        return 0
    if not catalog.empty:
        keep = [c for c in ("kpi_id", "name", "perspective", "unit", "direction", "owner", "aligns_to") if c in catalog]
        rows = rows.merge(catalog[keep], on="kpi_id", how="left")
    rows = rows.assign(period_start=rows["period_start"].map(lambda d: d.isoformat()))
    if fmt == "json":
        print(rows.to_json(orient="records", indent=2, double_precision=10), file=out)
    else:
        # numbers as decimal text with at most 10 significant digits: 0.21, not 0.21000000000000002
        rows.to_csv(out, index=False, float_format="%.10g")
    return 0


def run(args: argparse.Namespace) -> int:
    return print_scorecard(grain=args.grain, as_of=args.as_of, fmt=args.format, every_period=args.all)
