"""Great Expectations 1.x on its SQL engine against DuckDB (lib/gx_duckdb.py).

Through plain duckdb-engine every expectation "fails" with no count (GX issue 10738): this
file shows that on our data source a passing expectation passes, a failing one fails, and
the unexpected counts are exact, for every kind of expectation the contract's suites use.
"""

from __future__ import annotations

import duckdb
import great_expectations as gx

import orchestration.lib.gx_duckdb  # noqa: F401  (registers the data source type)
from orchestration.lib.gx_suites import COUNTS_ONLY


def test_passing_expectations_pass_and_failing_ones_fail_with_exact_counts(tmp_path):
    db = tmp_path / "batch.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA gx")
    # 1000 rows: s = 'bad' on every 100th row, NULL on every 7th; v = i; n NULL when i % 10 = 0
    con.execute(
        """CREATE TABLE gx.t AS SELECT i AS _rid,
             CASE WHEN i % 100 = 0 THEN 'bad' WHEN i % 7 = 0 THEN NULL ELSE 'ok' END AS s,
             CAST(i AS DOUBLE) AS v, CASE WHEN i % 10 = 0 THEN NULL ELSE 'x' END AS n,
             CAST(i + 1 AS DOUBLE) AS w
           FROM range(1, 1001) r(i)"""
    )
    con.close()
    ctx = gx.get_context(mode="ephemeral")
    ds = ctx.data_sources.add_duckdb_warehouse(name="w", connection_string=str(db), batch_schema="gx")
    bd = ds.add_table_asset("t", table_name="t").add_batch_definition_whole_table("all")
    e = gx.expectations
    cases = [
        # (expectation, expected success, expected unexpected count) — counted by hand from the rows above
        (e.ExpectColumnValuesToBeInSet(column="s", value_set=["ok", "bad"]), True, 0),
        (e.ExpectColumnValuesToBeInSet(column="s", value_set=["ok"]), False, 10),  # i = 100, 200, ..., 1000
        (e.ExpectColumnValuesToMatchRegex(column="s", regex="^o[k]$"), False, 10),
        (e.ExpectColumnValuesToMatchRegex(column="s", regex="^[a-z]+$"), True, 0),
        (e.ExpectColumnValuesToNotBeNull(column="v"), True, 0),
        # NULL s: i % 7 = 0 and i % 100 <> 0 → 142 multiples of 7, minus 700 → 141
        (e.ExpectColumnValuesToNotBeNull(column="s"), False, 141),
        (e.ExpectColumnValuesToBeBetween(column="v", min_value=1, max_value=1000), True, 0),
        (e.ExpectColumnValuesToBeBetween(column="v", min_value=0, max_value=900), False, 100),
        (e.ExpectColumnValuesToBeBetween(column="v", min_value=1, strict_min=True), False, 1),
        (e.ExpectColumnValuesToNotBeInSet(column="s", value_set=["USD"]), True, 0),
        (
            e.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="w", column_B="v", ignore_row_if="either_value_is_missing"
            ),
            True,
            0,
        ),
        (
            e.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="v", column_B="w", ignore_row_if="either_value_is_missing"
            ),
            False,
            1000,
        ),
        # n NULL where s is present: i % 10 = 0 (100 rows) minus those with NULL s (70, 140, ..., 980 except 700: 13)
        (
            e.ExpectColumnValuesToNotBeNull(
                column="n", row_condition={"type": "nullity", "column": {"name": "s"}, "is_null": False}
            ),
            False,
            87,
        ),
    ]
    suite = ctx.suites.add(gx.ExpectationSuite(name="s"))
    for exp, _, _ in cases:
        suite.add_expectation(exp)
    vd = ctx.validation_definitions.add(gx.ValidationDefinition(name="v", data=bd, suite=suite))
    # the pipeline's two formats: counts alone first, with examples when an expectation fails
    for result_format in (COUNTS_ONLY, {"result_format": "SUMMARY"}):
        result = vd.run(result_format=result_format)
        by_id = {r.expectation_config.id: r for r in result.results}
        for exp, success, count in cases:
            r = by_id[exp.id]
            assert not (r.exception_info or {}).get("raised_exception"), r.exception_info
            assert r.success is success, (exp.expectation_type, r.result)
            assert r.result["unexpected_count"] == count, (exp.expectation_type, exp.kwargs, r.result)
    ds.release()
    duckdb.connect(str(db)).close()  # released: the file can be opened for writing again
