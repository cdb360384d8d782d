"""The semantic layer over the shared demo build: MetricFlow agrees with kpi_values for every
KPI metric at every published grain, slices add up to the totals, kpi_values_by_dimension is
published, and `kpi query` answers, names what does not exist, and never runs a filter as SQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import subprocess
import sys
import time

import duckdb
import pytest
from semantic_parity import parity_problems

from orchestration.cli import main
from orchestration.lib.semantic import KEPT_PLANS, SemanticLayer, _keep_plan, _read_plan, plain_ratio, slices


@pytest.fixture(scope="module")
def serving(demo_build):
    return demo_build.serving


@pytest.fixture(scope="module")
def layer(serving):
    layer = SemanticLayer.over_serving(serving)
    yield layer
    layer.close()


def _kpi(cli_args, monkeypatch, capsys, home):
    monkeypatch.setenv("KPI_HOME", str(home))
    code = main(["query", *cli_args])
    out, err = capsys.readouterr()
    return code, out, err


def test_every_kpi_metric_equals_kpi_values_at_every_published_grain(layer):
    # the serving copy of the semantic models, attached as the warehouse catalog, and the
    # published kpi_values of the same file
    problems, compared = parity_problems(layer.con, "warehouse.kpi.kpi_values")
    assert len(layer.kpi_metrics) >= 35
    assert compared > 5000
    assert not problems, problems[:10]


def test_a_query_over_a_time_range_is_planned_without_ctes_and_gives_the_rows_of_the_whole_query(layer):
    """MetricFlow shares a semantic model's rows between metrics through CTEs, which DuckDB
    materialises whole before any reader's time range; a query with a range is planned without
    them (semantic._optimization_level), and gives, for the periods in its range, the rows of
    the same query over every period (planned with CTEs)."""
    metrics = ["revenue", "average_order_value", "gross_margin", "active_customers"]
    by = ["month", "order__channel"]
    start = dt.date(2026, 1, 1)
    ranged_sql, whole_sql = layer.sql(metrics, by, start=start), layer.sql(metrics, by)
    assert "_cte" not in ranged_sql
    assert "_cte" in whole_sql
    ranged = layer.query(metrics, by, start=start)
    whole = layer.query(metrics, by)
    assert ranged.columns == whole.columns
    in_range = [row for row in whole.rows if (row[0].date() if isinstance(row[0], dt.datetime) else row[0]) >= start]
    assert len(in_range) >= 20
    assert ranged.rows == in_range


def _additive_kpis(layer) -> set[str]:
    """KPI metrics that add up over the members of a dimension: sums and counts (semi-additive
    stocks too: they add over members on one day), not distinct counts."""
    measures = {m.name: m for sm in layer.manifest.semantic_models for m in sm.measures}
    out = set()
    for name in layer.kpi_metrics:
        metric = layer.metrics[name]
        if metric.type.value != "simple":
            continue
        measure = measures[metric.type_params.measure.name]
        if measure.agg.value in ("sum", "count"):
            out.add(name)
    return out


def test_a_new_home_publishes_with_the_plan_its_checkout_keeps(layer, tmp_path):
    from orchestration.lib.semantic import by_dimension_statements, semantic_manifest_path

    manifest, checkout = semantic_manifest_path(), tmp_path / "checkout"
    planned = []

    def planner():
        planned.append(True)
        return layer

    first = by_dimension_statements(planner, manifest, tmp_path / "home1", checkout)
    assert planned == [True] and len(first.full) == len(first.since) == len(first.pieces) > 50
    second = by_dimension_statements(planner, manifest, tmp_path / "home2", checkout)
    assert planned == [True]  # read, not planned again
    assert (second.key, second.full, second.since, second.pieces) == (first.key, first.full, first.since, first.pieces)
    assert [p.name for p in (tmp_path / "home2").iterdir()] == [f"by_dimension-{first.key}.json"]

    # another manifest (one byte more) is never served that plan
    other = tmp_path / "semantic_manifest.json"
    other.write_bytes(manifest.read_bytes() + b" ")

    def refuse():
        raise AssertionError("planned again")

    with pytest.raises(AssertionError, match="planned again"):
        by_dimension_statements(refuse, other, tmp_path / "home3", checkout)

    # the plans of other manifests (a test's copy of the project) do not evict it: a folder keeps
    # the KEPT_PLANS used last, and reading a plan counts as using it
    now = time.time()
    os.utime(checkout / f"by_dimension-{first.key}.json", (now - 200, now - 200))
    for i in range(KEPT_PLANS - 1):
        _keep_plan(checkout, _tiny_plan(f"other{i}"))
        os.utime(checkout / f"by_dimension-other{i}.json", (now - 100 + i, now - 100 + i))
    assert by_dimension_statements(refuse, manifest, tmp_path / "home4", checkout).full == first.full
    _keep_plan(checkout, _tiny_plan("newest"))
    assert sorted(p.name for p in checkout.iterdir()) == sorted(
        [f"by_dimension-{first.key}.json", "by_dimension-newest.json"]
        + [f"by_dimension-other{i}.json" for i in range(1, KEPT_PLANS - 1)]
    )


def _tiny_plan(key: str):
    from orchestration.lib.semantic import ByDimensionPlan

    return ByDimensionPlan(key, ["select 1"], ["select 2"], [("channel", "month", ("revenue",))])


def test_a_plan_part_left_by_a_killed_writer_is_deleted_and_a_live_writers_is_not(tmp_path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f"by_dimension-aaaa.{int(ended.stdout)}.tmp"
    nameless = tmp_path / "by_dimension-bbbb.tmp"
    live = tmp_path / f"by_dimension-cccc.{os.getpid()}.tmp"
    for part in (dead, nameless, live):
        part.write_text("{")
    _keep_plan(tmp_path, _tiny_plan("dddd"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "by_dimension-dddd.json"])
    assert _read_plan(tmp_path, "dddd") == _tiny_plan("dddd")


def test_kpi_values_by_dimension_slices_add_up_to_the_totals(serving, layer):
    additive = _additive_kpis(layer)
    assert {"revenue", "mrr", "headcount", "leads", "marketing_spend"} <= additive
    with duckdb.connect(str(serving), read_only=True) as con:
        sliced = con.execute(
            "select count(distinct kpi_id), count(distinct dimension) from kpi.kpi_values_by_dimension"
        ).fetchone()
        assert sliced[0] >= 30 and sliced[1] >= 15
        rows = con.execute(
            """select b.kpi_id, b.grain, b.period_start, b.dimension, sum(b.value), any_value(v.value)
            from kpi.kpi_values_by_dimension b
            join kpi.kpi_values v using (kpi_id, grain, period_start)
            where b.kpi_id in (select unnest(?::varchar[]))
            group by all""",
            [sorted(additive)],
        ).fetchall()
    assert len(rows) > 500
    wrong = [r for r in rows if not math.isclose(r[4] or 0, r[5] or 0, rel_tol=1e-9, abs_tol=1e-6)]
    assert not wrong, wrong[:5]


def _by_dimension_against_alone(
    serving, layer, kpis_by_dimension: dict[str, list[str]], grain: str, at_least: int = 5
) -> int:
    """Asserts that kpi_values_by_dimension's rows of each KPI sliced by a dimension at `grain`
    are those of `kpi query` of that KPI alone (SemanticLayer.query: MetricFlow's own SQL for the
    one metric), on the periods kpi_values publishes, at least `at_least` of each; returns how many
    values were compared."""
    with duckdb.connect(str(serving), read_only=True) as con:
        published = con.execute(
            "select kpi_id, dimension, period_start, member, value from kpi.kpi_values_by_dimension where grain = ?",
            [grain],
        ).fetchall()
        periods = set(
            con.execute("select kpi_id, period_start from kpi.kpi_values where grain = ?", [grain]).fetchall()
        )
    compared = 0
    for dimension, kpis in kpis_by_dimension.items():
        for kpi in kpis:
            alone = layer.query([kpi], [grain, dimension])
            days = [r[0].date() if isinstance(r[0], dt.datetime) else r[0] for r in alone.rows]
            expected = {
                (day, r[1]): r[2]
                for day, r in zip(days, alone.rows, strict=True)
                if r[2] is not None and (kpi, day) in periods
            }
            got = {(d, m): v for k, dim, d, m, v in published if (k, dim) == (kpi, dimension) and v is not None}
            assert len(expected) >= at_least, (kpi, dimension)
            assert got.keys() == expected.keys(), (kpi, dimension, sorted(got.keys() ^ expected.keys())[:5])
            wrong = [k for k in got if not math.isclose(got[k], float(expected[k]), rel_tol=1e-12, abs_tol=1e-12)]
            assert not wrong, (kpi, dimension, [(k, got[k], expected[k]) for k in wrong[:3]])
            compared += len(got)
    return compared


def test_a_kpi_is_sliced_where_its_own_tables_have_rows_not_where_another_kpis_do(serving, layer):
    """A member's month holds a KPI's row when that KPI's tables have rows there, as `kpi query`
    of the KPI alone answers: revenue holds no 0 for a segment's month with support tickets and
    no order (kpi_values_by_dimension plans one statement per group of KPIs that read the same
    tables, semantic.kpi_groups)."""
    kpis = ["revenue", "active_customers", "csat", "nps", "new_customers"]
    assert _by_dimension_against_alone(serving, layer, {"customer__segment": kpis}, "month", at_least=20) >= 100


def test_a_ratio_kpi_sliced_is_its_numerator_over_its_denominator_as_metricflow_computes_it(serving, layer):
    """kpi_values_by_dimension computes a plain ratio KPI (semantic.plain_ratio) from the numerator
    and denominator its statement returns, instead of asking MetricFlow for it: for each of them,
    by the first dimension it is sliced by, at quarter, the values are MetricFlow's own for the
    ratio metric alone, member by member, and where MetricFlow has no value it has none."""
    ratios = {k for k in layer.kpi_metrics if plain_ratio(layer.metrics[k])}
    assert {"average_order_value", "gross_margin", "csat", "conversion_rate", "cost_per_lead"} <= ratios
    assert not {"nps", "marketing_roi", "inventory_turnover", "revenue"} & ratios  # derived or simple
    first: dict[str, list[str]] = {}
    for dimension, kpis in slices(layer).items():
        for kpi in sorted(ratios & set(kpis) - {k for ks in first.values() for k in ks}):
            first.setdefault(dimension, []).append(kpi)
    assert sum(map(len, first.values())) >= 12
    assert _by_dimension_against_alone(serving, layer, first, "quarter") >= 200


def test_kpi_values_by_dimension_keeps_numerator_denominator_and_measurability(serving):
    with duckdb.connect(str(serving), read_only=True) as con:
        grains = {r[0] for r in con.execute("select distinct grain from kpi.kpi_values_by_dimension").fetchall()}
        ratio = con.execute(
            """select value, numerator, denominator from kpi.kpi_values_by_dimension
            where kpi_id = 'average_order_value' and dimension = 'customer__segment' and grain = 'quarter'
              and denominator > 0"""
        ).fetchall()
        flags = con.execute(
            """select count(*) from kpi.kpi_values_by_dimension b join kpi.kpi_values v
            using (kpi_id, grain, period_start) where b.is_measurable is distinct from v.is_measurable"""
        ).fetchone()[0]
    assert grains == {"month", "quarter", "year"}
    assert ratio and all(math.isclose(v, n / d, rel_tol=1e-9) for v, n, d in ratio)
    assert flags == 0


def test_a_slice_equals_the_same_question_asked_in_sql(demo_build, monkeypatch, capsys):
    """Revenue of web orders by customer segment in 2025-Q1, from the CLI as JSON, against the
    net revenue of the convertible completed orders summed straight from the warehouse facts."""
    code, out, err = _kpi(
        [
            "revenue,average_order_value",
            "--by",
            "month,customer__segment",
            "--where",
            "order__channel = 'web'",
            "--from",
            "2025-01",
            "--to",
            "2025-03",
            "--format",
            "json",
        ],
        monkeypatch,
        capsys,
        demo_build.home,
    )
    assert code == 0, err
    got = {(r["month"], r["customer__segment"]): r for r in json.loads(out)}
    with duckdb.connect(str(demo_build.home / "warehouse.duckdb"), read_only=True) as con:
        want = con.execute(
            """select strftime(date_trunc('month', o.order_date), '%Y-%m-%d'), c.segment,
                      sum(o.net_revenue_usd), sum(o.net_revenue_usd) / count(*)
            from facts.fct_orders o join staging.stg_sales__customers c using (customer_id)
            where o.is_completed and o.is_convertible and o.channel = 'web'
              and o.order_date between '2025-01-01' and '2025-03-31'
            group by all"""
        ).fetchall()
    assert len(want) >= 6 and set(got) == {(m, s) for m, s, _, _ in want}
    for month, segment, revenue, aov in want:
        row = got[(month, segment)]
        assert math.isclose(row["revenue"], float(revenue), rel_tol=1e-12), (month, segment)
        assert math.isclose(row["average_order_value"], float(aov), rel_tol=1e-9), (month, segment)


def test_query_prints_a_table_and_csv(demo_build, monkeypatch, capsys):
    code, out, _ = _kpi(
        ["defect_rate", "--by", "quarter,plant", "--from", "2026"], monkeypatch, capsys, demo_build.home
    )
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["quarter", "plant", "defect_rate"]
    assert any("2026-07-01" in line for line in lines[2:])
    code, out, _ = _kpi(
        ["mrr", "--by", "year,mrr_snapshot__currency", "--format", "csv"], monkeypatch, capsys, demo_build.home
    )
    header, *rows = out.splitlines()
    assert code == 0 and header == "year,mrr_snapshot__currency,mrr" and len(rows) >= 2


def test_list_metrics_and_dimensions(demo_build, monkeypatch, capsys):
    code, out, _ = _kpi(["--list-metrics"], monkeypatch, capsys, demo_build.home)
    names = [line.split()[0] for line in out.splitlines()]
    assert code == 0 and "revenue" in names and "customer_acquisition_cost" in names and len(names) >= 35
    code, out, _ = _kpi(["--list-dimensions", "customer_acquisition_cost"], monkeypatch, capsys, demo_build.home)
    assert code == 0 and "marketing_channel" in out.split()


@pytest.mark.parametrize(
    ("args", "named", "suggested"),
    [
        (["revenu"], "'revenu'", "revenue"),
        (["revenue", "--by", "month,customer__segmnt"], "'customer__segmnt'", "customer__segment"),
        (["revenue", "--where", "order__chanel = 'web'"], "'order__chanel'", "order__channel"),
        (["--list-dimensions", "defect_rat"], "'defect_rat'", "defect_rate"),
    ],
)
def test_an_unknown_name_is_named_with_the_nearest_valid_ones(demo_build, monkeypatch, capsys, args, named, suggested):
    code, out, err = _kpi(args, monkeypatch, capsys, demo_build.home)
    assert code == 2 and not out
    assert named in err and suggested in err.split("did you mean", 1)[1]


INJECTIONS = [
    "order__channel = 'web'; drop table semantic.sem_orders",
    "order__channel = 'web' -- and 1 = 1",
    "order__channel = 'web' /* x */",
    "order__channel = (select max(channel) from semantic.sem_orders)",
    "order__channel in (select channel from semantic.sem_orders)",
    "order__channel = 'web' or 1 = 1",
    "1 = 1",
    "order__channel = web",
    "order__channel = 'x''; drop table kpi.kpi_values; --'",
    "order__channel = '{{ Dimension(\"customer__segment\") }}'",
    "order__channel = 'web' and ",
]


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("where", INJECTIONS)
def test_a_filter_never_runs_as_sql(demo_build, monkeypatch, capsys, where):
    before = _digest(demo_build.serving)
    code, out, err = _kpi(["revenue", "--by", "month", "--where", where], monkeypatch, capsys, demo_build.home)
    assert code == 2 and not out, (where, out)
    assert err.startswith("kpi query: ") and "Traceback" not in err
    assert _digest(demo_build.serving) == before
    with duckdb.connect(str(demo_build.serving), read_only=True) as con:
        assert con.execute("select count(*) from semantic.sem_orders").fetchone()[0] > 0


def test_allowed_filters_compose(demo_build, monkeypatch, capsys):
    args = ["revenue", "--by", "year", "--format", "json", "--where"]
    code, out, err = _kpi(
        [*args, "order__channel in ('web', 'store') and customer__segment != 'smb' and year >= '2025-01-01'"],
        monkeypatch,
        capsys,
        demo_build.home,
    )
    assert code == 0, err
    both = {r["year"]: r["revenue"] for r in json.loads(out)}
    parts = {}
    for channel in ("web", "store"):
        code, out, err = _kpi(
            [*args, f"order__channel = '{channel}' and customer__segment <> 'smb' and year >= '2025-01-01'"],
            monkeypatch,
            capsys,
            demo_build.home,
        )
        assert code == 0, err
        for r in json.loads(out):
            parts[r["year"]] = parts.get(r["year"], 0) + r["revenue"]
    assert both and set(both) == set(parts)
    assert all(math.isclose(both[y], parts[y], rel_tol=1e-12) for y in both)


def test_a_serving_database_of_an_older_version_is_named_not_a_traceback(demo_build, tmp_path, monkeypatch, capsys):
    old = tmp_path / "serving.duckdb"
    old.write_bytes(demo_build.serving.read_bytes())
    with duckdb.connect(str(old)) as con:
        con.execute("alter table semantic.sem_order_lines drop column cogs_usd")
    monkeypatch.setenv("KPI_SERVING_PATH", str(old))
    code, out, err = _kpi(["inventory_turnover", "--by", "year"], monkeypatch, capsys, demo_build.home)
    assert code == 1 and not out
    assert "run `kpi run` to publish it again" in err and "cogs_usd" in err and "Traceback" not in err
