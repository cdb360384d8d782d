"""A night computes again only the periods from the first changed day on (int_kpi_rows, and the
publish's kpi_values_by_dimension), because a value of a period reads days up to its measurement
day. Two kinds of rows look ahead instead, and their KPIs are computed whole every night:

- a session converts when its order_id is a completed order by the as-of date, and that order
  may be of a later day: February's conversion_rate changes when the as-of date passes the
  order of March 20 that a February session points to;
- a lead is an SQL when its sql_at is by the as-of date: February's mql_to_sql_rate changes
  when the as-of date passes the sql_at (March 20) of a lead that became an MQL on February 1.

Here nothing lands between the two builds: only the as-of date moves (March 15 -> 25), so the
ledger re-opens nothing before March. Both the incremental build and its publish must equal a
build and a publish made from scratch at March 25, and February's values are checked by hand.
"""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
from published import differences, snapshot

from orchestration.lib.publish import publish
from tests.dbt_harness import create_warehouse, dbt_build, kpi
from tests.test_kpis_marketing import ROWS, session

BEFORE, AFTER = "2025-03-15", "2025-03-25"

#: a February session whose order (O8) is placed on March 20, after BEFORE and before AFTER
FEBRUARY_SESSION = session("S13", "v8", "2025-02-20 09:00:00", None, "O8")

#: the tables the publish reads that the Dagster assets (targets, scorecard) and ingestion write
_NOT_FROM_DBT = {
    "marts.kpi_targets": "kpi_id varchar, grain varchar, period_start date, target_value double, source varchar",
    "marts.kpi_scorecard": "kpi_id varchar, grain varchar, period_start date, actual double, target double, "
    "attainment double, projected double, status varchar, reason varchar",
    "meta.rejected_files": "table_name varchar, file_name varchar, reason varchar, rejected_at timestamp",
    "meta.schema_drift": "table_name varchar, file_name varchar, column_name varchar, first_seen_at timestamp",
    "meta.data_quality": "run_id varchar, table_name varchar, rows_landed bigint, rows_loaded bigint, "
    "rows_quarantined bigint, files_rejected bigint, checks_passed bigint, checks_failed bigint",
}


def _build_and_publish(home, as_of: str) -> None:
    warehouse = home / "warehouse.duckdb"
    dbt_build(warehouse, as_of)
    with duckdb.connect(str(warehouse)) as con:
        for name, columns in _NOT_FROM_DBT.items():
            con.execute(f"create table if not exists {name} ({columns})")
    fields = pd.DataFrame({"kpi_id": [], "owner": [], "aligns_to": []}).astype("string")
    publish(warehouse, home / "serving.duckdb", home / "exports", fields, home / "dbt_target" / "run_results.json")


def nightly_and_full(tmp_path, rows) -> tuple:
    """Two homes over the same warehouse of `rows`: one built night by night, one from scratch."""
    nightly, full = tmp_path / "nightly", tmp_path / "full"
    for home in (nightly, full):
        home.mkdir()
    create_warehouse(nightly / "warehouse.duckdb", rows)
    shutil.copyfile(nightly / "warehouse.duckdb", full / "warehouse.duckdb")
    return nightly, full


def test_a_kpi_whose_rows_look_ahead_is_computed_whole_when_only_the_as_of_date_moves(tmp_path):
    rows = {**ROWS, "web_sessions": [*ROWS["web_sessions"], FEBRUARY_SESSION]}
    nightly, full = nightly_and_full(tmp_path, rows)

    _build_and_publish(nightly, BEFORE)
    # February at March 15: sessions S5 (O3), S6 (O4) converted, S7 (cancelled O5) and S13 (O8,
    # not placed yet) not; MQLs L3, L4, L8, of which L4 and L8 are SQLs (L3's sql_at is March 20)
    assert kpi(nightly / "warehouse.duckdb", "conversion_rate", "month", "2025-02-01")[:3] == (0.5, 2, 4)
    assert kpi(nightly / "warehouse.duckdb", "mql_to_sql_rate", "month", "2025-02-01")[:3] == (2 / 3, 2, 3)

    _build_and_publish(nightly, AFTER)
    _build_and_publish(full, AFTER)

    # at March 25, S13's order is completed and L3 is an SQL
    assert kpi(nightly / "warehouse.duckdb", "conversion_rate", "month", "2025-02-01")[:3] == (0.75, 3, 4)
    assert kpi(nightly / "warehouse.duckdb", "mql_to_sql_rate", "month", "2025-02-01")[:3] == (1.0, 3, 3)
    assert differences(snapshot(full), snapshot(nightly)) == []
    with duckdb.connect(str(nightly / "serving.duckdb"), read_only=True) as con:
        sliced = con.execute(
            "select count(*) from kpi.kpi_values_by_dimension where kpi_id in ('conversion_rate', 'mql_to_sql_rate')"
            " and grain = 'month' and period_start = '2025-02-01'"
        ).fetchone()[0]
    assert sliced > 0  # the publish's comparison above covers February's slices
