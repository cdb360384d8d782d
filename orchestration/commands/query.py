"""`kpi query`: slice KPIs by dimensions through the dbt semantic layer (MetricFlow, in process),
reading the serving database read-only.

    kpi query revenue,average_order_value --by month,customer__segment \\
        --where "order__channel = 'web'" --from 2025-01 --to 2025-06 --format table
    kpi query --list-metrics
    kpi query --list-dimensions revenue
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import decimal
import json
import re
import sys

_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def _bound(text: str, end: bool) -> dt.date:
    """YYYY, YYYY-MM or YYYY-MM-DD: --from is the first day of it, --to the last."""
    m = _PERIOD.match(text)
    try:
        if not m:
            raise ValueError
        year, month, day = int(m[1]), m[2], m[3]
        if day:
            return dt.date(year, int(month), int(day))
        if month:
            first = dt.date(year, int(month), 1)
            return first.replace(day=calendar.monthrange(year, first.month)[1]) if end else first
        return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a period; write YYYY, YYYY-MM or YYYY-MM-DD") from None


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give at least one name (comma-separated)")
    return names


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("metrics", nargs="?", type=_names, help="metric ids, comma-separated (e.g. revenue,mrr)")
    parser.add_argument(
        "--by",
        type=_names,
        default=["month"],
        help="time grain (day, week, month, quarter, year) and dimensions, comma-separated (default: month)",
    )
    parser.add_argument("--where", help="filter: dimension op value [and ...], e.g. \"order__channel = 'web'\"")
    parser.add_argument("--from", dest="start", type=lambda t: _bound(t, False), help="first period (YYYY[-MM[-DD]])")
    parser.add_argument("--to", dest="end", type=lambda t: _bound(t, True), help="last period (YYYY[-MM[-DD]])")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.add_argument("--sql", action="store_true", help="print the SQL MetricFlow compiled instead of running it")
    parser.add_argument("--list-metrics", action="store_true", help="list every metric with its description")
    parser.add_argument("--list-dimensions", metavar="METRIC", type=_names, help="list what the metrics slice by")


def run(args: argparse.Namespace) -> int:
    import duckdb

    from orchestration.lib.semantic import QueryError, SemanticLayer
    from orchestration.lib.settings import Home

    if not (args.metrics or args.list_metrics or args.list_dimensions):
        print(
            "kpi query: name the metrics (e.g. `kpi query revenue --by month`) or use --list-metrics", file=sys.stderr
        )
        return 2
    if args.start and args.end and args.start > args.end:
        print(f"kpi query: --from {args.start} is after --to {args.end}", file=sys.stderr)
        return 2
    try:
        layer = SemanticLayer.over_serving(Home.from_env().serving)
    except QueryError as err:
        print(f"kpi query: {err}", file=sys.stderr)
        return 1
    try:
        if args.list_metrics:
            return _list_metrics(layer)
        if args.list_dimensions:
            for name in layer.dimensions(args.list_dimensions):
                print(name)
            return 0
        if args.sql:
            print(layer.sql(args.metrics, args.by, args.where, args.start, args.end))
            return 0
        result = layer.query(args.metrics, args.by, args.where, args.start, args.end)
        notes = _unmeasurable(layer, result)
    except QueryError as err:
        print(f"kpi query: {err}", file=sys.stderr)
        return 2
    except duckdb.Error as err:
        first = str(err).splitlines()[0]
        print(
            f"kpi query: the serving database does not hold what this version's semantic layer reads ({first}); "
            "run `kpi run` to publish it again",
            file=sys.stderr,
        )
        return 1
    finally:
        layer.close()
    columns = [_column(c) for c in result.columns]
    rows = [[_cell(v) for v in row] for row in result.rows]
    if args.format == "json":
        json.dump([dict(zip(columns, r, strict=True)) for r in rows], sys.stdout, indent=1, default=str)
        print()
    elif args.format == "csv":
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(columns)
        out.writerows(rows)
    else:
        _table(columns, rows)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def _unmeasurable(layer, result) -> list[str]:
    """The periods of the answer that kpi_values marks unmeasurable (kpis.md, Measurability):
    MetricFlow returns the raw number, so the reader is told."""
    grains = [c.split("__", 1)[1] for c in result.columns if c.startswith("metric_time__")]
    kpis = [c for c in result.columns if c in layer.kpi_metrics]
    if len(grains) != 1 or not kpis:
        return []
    at = result.columns.index(f"metric_time__{grains[0]}")
    periods = sorted({r[at].date() if isinstance(r[at], dt.datetime) else r[at] for r in result.rows})
    if not periods:
        return []
    rows = layer.con.execute(
        """select kpi_id, list(strftime(period_start, '%Y-%m-%d') order by period_start), any_value(quality_issues)
        from warehouse.kpi.kpi_values
        where grain = ? and not is_measurable and kpi_id in (select unnest(?::varchar[]))
          and period_start in (select unnest(?::date[]))
        group by kpi_id order by kpi_id""",
        [grains[0], kpis, periods],
    ).fetchall()
    return [f"{kpi} is not measurable in {', '.join(days)} ({issues})" for kpi, days, issues in rows]


def _list_metrics(layer) -> int:
    from orchestration.lib.semantic import meta

    width = max(len(n) for n in layer.metrics)
    for name, metric in sorted(layer.metrics.items()):
        if meta(metric).get("kpi"):
            print(f"{name:<{width}}  {(metric.description or '').strip().splitlines()[0]}")
    return 0


def _column(name: str) -> str:
    """metric_time__month -> month."""
    return name.split("__", 1)[1] if name.startswith("metric_time__") else name


def _cell(value):
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _text(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 100 else f"{value:,.4g}"
    return str(value)


def _table(columns: list[str], rows: list[list]) -> None:
    cells = [[_text(v) for v in r] for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = [all(isinstance(r[i], (int, float)) or r[i] is None for r in rows) for i in range(len(columns))]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True))

    print(line(columns))
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print(line(r))
    if not rows:
        print("(no rows)")
