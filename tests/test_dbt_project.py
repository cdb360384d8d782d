"""The dbt project hangs together: every KPI model is unioned into kpi_values, and each
KPI's catalog entry is complete."""

from __future__ import annotations

import datetime as dt
import json
import re

from conftest import dbt_invoke

from orchestration.lib.dbt_manifest import prepared_manifest
from orchestration.lib.settings import DBT_PROJECT_DIR

KINDS = {"flow", "stock", "ratio", "count"}
DIRECTIONS = {"up", "down", "none"}
PERSPECTIVES = {"financial", "customer", "internal_process", "learning_growth"}


def _kpi_models() -> dict[str, dict]:
    manifest = json.loads(prepared_manifest().read_text())
    return {
        node["name"]: node["config"]["meta"]["kpi"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("meta", {}).get("kpi")
    }


def test_kpi_values_unions_exactly_the_kpi_models():
    listed = re.findall(r"'(kpi_[a-z0-9_]+)'", (DBT_PROJECT_DIR / "macros" / "kpi_models.sql").read_text())
    assert listed == sorted(listed), "keep macros/kpi_models.sql sorted"
    assert set(listed) == set(_kpi_models()), "macros/kpi_models.sql must list every model with meta.kpi"


def test_every_kpi_has_a_complete_catalog_entry():
    for model, kpi in _kpi_models().items():
        assert model == f"kpi_{kpi['kpi_id']}"
        assert kpi["kind"] in KINDS, model
        assert kpi["direction"] in DIRECTIONS, model
        assert kpi["perspective"] in PERSPECTIVES, model
        for key in ("name", "unit", "category", "formula"):
            assert kpi.get(key), f"{model}: meta.kpi.{key} is empty"


def test_no_model_or_macro_reads_the_warehouse_path():
    """dbt's partial parse leaves the profile's path out of its digest (lib/dbt_runner.py), so a
    parse must not depend on it."""
    readers = [
        str(path.relative_to(DBT_PROJECT_DIR))
        for folder in ("models", "macros", "tests", "analyses")
        if (DBT_PROJECT_DIR / folder).is_dir()
        for path in sorted((DBT_PROJECT_DIR / folder).rglob("*"))
        if path.suffix in (".sql", ".yml") and "target.path" in path.read_text()
    ]
    assert not readers, readers


def test_the_period_spine_is_read_for_its_first_day_not_as_every_table():
    """The spine (int_periods) reads every table only to find its first day: as dbt's
    raw_inputs_of, the Python lineage stops there, and names the relations that read it, so
    that a night's publish does not recompute the daily inventory of every period whenever an
    old subscription is restated (lib/publish.py, SPINE)."""
    from orchestration.lib.dbt_manifest import raw_inputs, reading_spine

    manifest = json.loads(prepared_manifest().read_text())
    inputs = raw_inputs(manifest, ["sem_inventory_products_daily", "sem_order_lines", "int_periods"])
    assert inputs == {
        "sem_inventory_products_daily": {"inventory_snapshots", "products"},
        "sem_order_lines": {"fx_rates", "order_lines", "orders", "products"},
        "int_periods": set(),
    }
    semantic = {n["name"] for n in manifest["nodes"].values() if n["name"].startswith("sem_")}
    assert reading_spine(manifest, semantic) == {
        "sem_time_spine",
        "sem_inventory_products_daily",
        "sem_inventory_snapshots",
        "sem_headcount_snapshots",
        "sem_mrr_snapshots",
        "sem_social_followers_snapshots",
    }


def _compiled_json(inline: str, tmp_path, monkeypatch):
    """The JSON that `dbt compile --inline` renders from the Jinja `inline`, with the project's macros."""
    monkeypatch.setenv("KPI_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    res = dbt_invoke(["compile", "--inline", inline], DBT_PROJECT_DIR, tmp_path)
    return json.loads(res.result.results[0].node.compiled_code)


def test_the_python_and_the_dbt_lineage_agree(tmp_path, monkeypatch):
    """The incremental models decide in Jinja what a night re-opens (macros/kpi_graph.sql,
    macros/event_tables.sql) and the publish decides in Python what it computes again
    (lib/dbt_manifest.py, lib/publish.py): both must read dbt's graph the same way. For every
    model: the same raw inputs (raw_inputs_of / raw_inputs) and the same look-ahead
    (looks_ahead / looking_ahead); and the tables with an event date are the same in
    event_dated_tables() and in the contract."""
    from orchestration.lib import contract as ct
    from orchestration.lib.dbt_manifest import looking_ahead, raw_inputs

    inline = (
        "{%- set out = {} -%}"
        "{%- for uid, node in graph.nodes.items() if node.resource_type == 'model' -%}"
        "{%- do out.update({node.name: {'inputs': raw_inputs_of(uid), 'ahead': looks_ahead(uid)}}) -%}"
        "{%- endfor -%}"
        "{{ tojson({'models': out, 'event_dated': event_dated_tables()}) }}"
    )
    dbt_side = _compiled_json(inline, tmp_path, monkeypatch)

    manifest = json.loads(prepared_manifest().read_text())
    models = [n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert set(dbt_side["models"]) == set(models)
    python_inputs = raw_inputs(manifest, models)
    python_ahead = looking_ahead(manifest, models)
    for name in models:
        assert set(dbt_side["models"][name]["inputs"]) == python_inputs[name], name
        assert dbt_side["models"][name]["ahead"] == (name in python_ahead), name
    assert python_inputs["int_kpi_rows"] >= {"orders", "web_sessions", "subscription_periods"}  # not vacuous
    assert {"sem_orders", "sem_web_sessions", "kpi_sessions"} <= python_ahead
    assert {table for _, table in dbt_side["event_dated"]} == {n for n, t in ct.TABLES.items() if t.event_date}


def test_no_model_reopened_by_exact_dates_reads_a_table_with_validity_ranges():
    """The ledger dates a row of a table with validity ranges whose only change is its end by
    that end, not by its event date (contract Table.valid_until; Resolver._validity_dates): right
    for the models that re-open every period from the earliest changed day on (int_kpi_rows,
    incremental_looking_back, the publish), wrong for those that re-open exactly the changed dates
    or the periods or days holding them (reopen_changed_rows, reopen_changed_periods, the
    bridge's, reopen_changed_days): they would keep the row's old version. No such model may
    read those tables, other than through int_event_date_bounds (each table's first and last
    event date and row count, which an end does not change: the revenue bridge's periods start
    at the first order's)."""
    from orchestration.lib import contract as ct
    from orchestration.lib.dbt_manifest import NOT_AN_INPUT, raw_inputs

    ranged = {name for name, t in ct.TABLES.items() if t.valid_until}
    assert ranged == {"subscription_periods", "employees"}
    manifest = json.loads(prepared_manifest().read_text())
    hooks = {
        n["name"]: " ".join(h["sql"] for h in n["config"]["pre-hook"])
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"]["materialized"] == "incremental"
    }
    exact = [
        name for name, hook in hooks.items() if re.search(r"reopen_changed_(rows|periods|bridge_periods|days)\(", hook)
    ]
    looking_back = [name for name, hook in hooks.items() if "reopen_looking_back(" in hook]
    assert len(exact) >= 10 and "int_customer_mrr_by_period" in looking_back  # not vacuous
    assert {"int_orders_daily", "int_orders_costed_daily"} <= set(exact)
    assert raw_inputs(manifest, ["revenue_bridge"])["revenue_bridge"] >= ranged  # through the bounds
    for node in manifest["nodes"].values():
        if node["name"] == "int_event_date_bounds":
            node["config"]["meta"] = {**(node["config"].get("meta") or {}), NOT_AN_INPUT: True}
    inputs = raw_inputs(manifest, exact + looking_back)
    assert {name: inputs[name] & ranged for name in exact if inputs[name] & ranged} == {}
    assert inputs["int_customer_mrr_by_period"] & ranged == {"subscription_periods"}


#: (changes: table -> (changed on every date, earliest changed date), the spine's first day) ->
#: whether the spine may move, decided by hand from kpis.md's spine (it starts on the earliest
#: event date of the tables with one): orders has an event date, customers and order_lines do not
SPINE_CASES = [
    ({}, "2023-01-01", False),  # nothing changed
    ({}, None, True),  # no spine yet
    ({"orders": (False, "2023-01-02")}, "2023-01-01", False),  # after the first day
    ({"orders": (False, "2023-01-01")}, "2023-01-01", True),  # on it
    ({"orders": (False, "2022-12-31")}, "2023-01-01", True),  # before it
    ({"customers": (False, "2022-12-31")}, "2023-01-01", True),  # a dated change of any table
    ({"orders": (True, "2024-05-01")}, "2023-01-01", True),  # every date of a dated table
    ({"orders": (True, None)}, "2023-01-01", True),
    ({"customers": (True, None)}, "2023-01-01", False),  # every date of an undated table
    ({"order_lines": (True, None), "orders": (False, "2023-03-01")}, "2023-01-01", False),
    ({"order_lines": (True, None), "web_sessions": (False, "2022-06-30")}, "2023-01-01", True),
]


def test_a_late_fx_rate_reopens_what_converts_money_and_nothing_else(tmp_path, monkeypatch):
    """A night's reopen day (_reopen_day) is the earliest changed date of the raw tables in a
    node's lineage, or the first day the as-of date's move can change (June 30 -> July 1: July 1,
    so June, measured at its last day both times, is kept; tests/test_as_of_move.py): a late fx rate of
    2025-03-10 re-opens a KPI that converts money (fx_rates is in its lineage) from that day,
    and leaves a KPI without money (NPS, headcount) and paying customers to the as-of move."""
    state = {
        "last_as_of": "2025-06-30",
        "as_of_moved_from": "2025-07-01",  # _as_of_moved_from: the day after the earlier date
        "first_change": {"fx_rates": "2025-03-10", "orders": "2025-06-20", "employees": "2025-06-25"},
        "every_date": [],
        "spine_moved": False,
    }
    nodes = [
        "kpi_revenue",
        "kpi_nps",
        "kpi_headcount",
        "int_customer_mrr_by_period",
        "int_paying_customers_by_period",
    ]
    inline = (
        "{%- set state = " + json.dumps(state).replace("false", "False") + " -%}{%- set out = {} -%}"
        "{%- for name in " + json.dumps(nodes) + " -%}{%- set uid = 'model.kpi_layer.' ~ name -%}"
        "{%- do out.update({name: [raw_inputs_of(uid), _reopen_day(state, raw_inputs_of(uid))]}) -%}"
        "{%- endfor -%}{{ tojson(out) }}"
    )
    out = _compiled_json(inline, tmp_path, monkeypatch)
    assert "fx_rates" in out["kpi_revenue"][0] and "fx_rates" not in out["kpi_nps"][0]
    assert {name: day for name, (_, day) in out.items()} == {
        "kpi_revenue": "2025-03-10",  # orders 06-20, but the late rate converts from 03-10
        "kpi_nps": "2025-07-01",  # no change to nps_responses: the day after the last as-of date
        "kpi_headcount": "2025-06-25",  # its employees changed
        "int_customer_mrr_by_period": "2025-03-10",  # MRR converts each currency's amounts
        "int_paying_customers_by_period": "2025-07-01",  # MRR > 0 needs no rate
    }


def test_the_spine_moves_by_the_same_rule_in_dbt_and_in_the_publish(tmp_path, monkeypatch):
    """int_kpi_rows (the spine_moves macro) and the publish (publish.spine_moves) each decide
    whether a night's changes may move the period spine's first day, which re-opens every
    period: both give the hand-decided answer on every case."""
    from orchestration.lib.publish import spine_moves

    def day(text):
        return None if text is None else dt.date.fromisoformat(text)

    cases = [[[[t, first, every] for t, (every, first) in changes.items()], spine] for changes, spine, _ in SPINE_CASES]
    inline = (
        "{%- set out = [] -%}{%- for changes, spine in " + json.dumps(cases).replace("null", "none") + " -%}"
        "{%- do out.append(spine_moves(changes, spine)) -%}{%- endfor -%}{{ tojson(out) }}"
    )
    dbt_side = _compiled_json(inline, tmp_path, monkeypatch)
    python_side = [
        spine_moves({t: (every, day(first)) for t, (every, first) in changes.items()}, day(spine))
        for changes, spine, _ in SPINE_CASES
    ]
    expected = [moved for _, _, moved in SPINE_CASES]
    assert dbt_side == expected
    assert python_side == expected


def test_a_full_build_stores_each_incremental_model_in_the_order_of_its_key(demo_build):
    """Every incremental model ends with `in_key_order(<the day or period a night deletes and reads
    it by>)`, and the full build wrote its rows in that order (a DuckDB table's rowid is its storage
    order): a night's delete and its readers' filters on recent days or periods then skip the
    history's row groups by their min/max (docs/decisions.md, "An incremental model's full build stores
    its rows in the order of its key")."""
    import duckdb

    manifest = json.loads(prepared_manifest().read_text())
    models = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    }
    assert len(models) >= 14
    keys = {}
    for name, node in models.items():
        found = re.search(r"\{\{\s*in_key_order\('([^']+)'\)\s*\}\}\s*$", node["raw_code"])
        assert found, f"{name} is incremental but does not end with in_key_order(...)"
        keys[name] = [column.strip() for column in found.group(1).split(",")]
        # the order is the key its pre-hook deletes by: a row model's date column, a daily
        # aggregate's day, else the period;
        # a model re-opened by entity (reopen_changed_keys) deletes by key, which skips no row
        # group, and is ordered by the date column its readers filter on and that it judges
        hook = " ".join(h["sql"] for h in node["config"]["pre-hook"])
        by_rows = re.search(r"reopen_changed_rows\(\[[^\]]*\], '(\w+)'", hook) or re.search(
            r"reopen_changed_keys\('\w+', ref\('\w+'\), \[[^\]]*\], '(\w+)'", hook
        )
        by_day = "reopen_changed_days(" in hook  # incremental_by_day: one row per day
        expected = [by_rows.group(1)] if by_rows else ["day"] if by_day else ["grain", "period_start"]
        assert keys[name] == expected, (name, hook)
    out_of_order = {}
    with duckdb.connect(str(demo_build.home / "warehouse.duckdb"), read_only=True) as con:
        for name, columns in sorted(keys.items()):
            relation = f"{models[name]['schema']}.{name}"
            before = " or ".join(
                " and ".join([f"{c} = prev_{c}" for c in columns[:i]] + [f"{column} < prev_{column}"])
                for i, column in enumerate(columns)
            )
            lags = ", ".join(f"lag({c}) over (order by rowid) as prev_{c}" for c in columns)
            rows, back = con.execute(
                f"select count(*), count(*) filter (where {before}) from (select *, {lags} from {relation})"
            ).fetchone()
            assert rows > 0, f"{relation} is empty in the demo build: the test would pass on nothing"
            if back:
                out_of_order[relation] = back
    assert out_of_order == {}
