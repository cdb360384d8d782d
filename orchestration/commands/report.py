"""`kpi report`: the scorecard report as one self-contained HTML file (lib/report.py)."""

from __future__ import annotations

import argparse
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    from orchestration.commands.args import past_date

    parser.add_argument(
        "--as-of",
        dest="as_of",
        metavar="DATE",
        type=past_date,
        help="the as-of date the report is of (default: the latest as-of date published)",
    )


def run(args: argparse.Namespace) -> int:
    import duckdb

    from orchestration.lib.report import write_report
    from orchestration.lib.settings import Home

    home = Home.from_env()
    if not home.serving.exists():
        print(f"kpi report: no serving database at {home.serving}; run `kpi run` first", file=sys.stderr)
        return 1
    as_of = args.as_of or published_as_of(home.serving)
    if as_of is None:
        print(f"kpi report: {home.serving} holds no KPI value yet; run `kpi run` first", file=sys.stderr)
        return 1
    try:
        path = write_report(home.serving, home.reports, as_of)
    except duckdb.CatalogException as err:
        print(f"kpi report: {home.serving} lacks a published table ({err}); run `kpi run` again", file=sys.stderr)
        return 1
    print(f"Report: {path}")
    return 0


def published_as_of(serving):
    """The as-of date of a publish: the last day of the latest incomplete day period, or of the
    latest day published."""
    import duckdb

    with duckdb.connect(str(serving), read_only=True) as con:
        row = con.execute("select max(period_start) from kpi.kpi_values where grain = 'day'").fetchone()
    return row[0] if row else None
