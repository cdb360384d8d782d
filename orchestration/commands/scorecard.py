"""`kpi scorecard`: the balanced scorecard from the serving database.

Grouped by perspective (financial, customer, internal process, learning and growth), team
KPIs indented under the KPI they align to, the current period and the one before, status
in colour, and the planned vs actual drivers where an allocation is declared."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys

from orchestration.lib.periods import GRAINS
from orchestration.lib.targets import PERSPECTIVES

COLOURS = {
    "achieved": "32",  # green
    "on_track": "32",
    "at_risk": "33",  # yellow
    "off_track": "31",  # red
    "missed": "31",
    "unmeasurable": "90",  # grey
}


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


def render_table(
    rows, catalog, check, grain: str, as_of: dt.date | None, colour: bool, order: list[str] | None = None
) -> str:
    import pandas as pd

    from orchestration.lib.periods import label
    from orchestration.lib.scorecard import allocation_summary, kpi_tree

    info = catalog.set_index("kpi_id").to_dict("index") if not catalog.empty else {}
    latest = max(rows["period_start"]) if not rows.empty else None
    title = f"KPI scorecard · {grain}" + (f" · as of {as_of.isoformat()}" if as_of else "")
    if latest is not None and as_of is None:
        title += f" · latest period {label(grain, latest)}"
    lines = [title, ""]
    if rows.empty:
        return "\n".join([*lines, "No targeted KPI has a period to show. Declare targets in dbt_project/kpi_targets."])
    tree = kpi_tree(list(dict.fromkeys(rows["kpi_id"])), catalog, order)

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

    from orchestration.lib.scorecard import load_scorecard, select_rows

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
