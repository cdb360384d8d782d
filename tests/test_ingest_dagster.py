"""The raw assets materialize with dagster.materialize and report their checks."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from orchestration.defs import ingest as ingest_defs
from orchestration.defs.keys import raw_key
from orchestration.defs.resources import KpiRunSettings

HEADER = "customer_id,signup_date,country,segment,acquisition_channel,loyalty_tier\n"


def test_materialize_raw_assets(tmp_path, monkeypatch):
    landing = tmp_path / "landing" / "customers"
    landing.mkdir(parents=True)
    (landing / "c.csv").write_text(HEADER + "C1,2024-01-01,US,smb,organic,gold\nC2,2024-01-01,US,huge,organic,\n")
    monkeypatch.setenv("KPI_HOME", str(tmp_path))
    monkeypatch.delenv("KPI_LANDING_DIR", raising=False)
    monkeypatch.setattr(ingest_defs, "load_clock", lambda: dt.datetime(2025, 6, 1))
    selection = [raw_key("customers"), raw_key("orders"), raw_key("fx_rates")]
    result = dg.materialize(
        [ingest_defs.landing_tables, ingest_defs.raw_contract_gx],
        selection=selection,
        resources={"kpi": KpiRunSettings.from_environment()},
        partition_key="2025-06-01",
    )
    assert result.success
    checks = {(e.asset_key.path[-1], e.check_name): e for e in result.get_asset_check_evaluations()}
    row = checks[("raw_customers", ingest_defs.ROW_CHECK)]
    assert not row.passed and row.severity == dg.AssetCheckSeverity.WARN
    assert row.metadata["rows_quarantined"].value == 1
    assert row.metadata["failing_rules"].value == {"segment must be one of consumer, smb, enterprise": 1}
    assert row.metadata["sample_keys"].value == {"segment must be one of consumer, smb, enterprise": ["C2"]}
    # Great Expectations validated the new rows (and agreed with the SQL rules, or the step fails)
    gx = checks[("raw_customers", ingest_defs.GX_CHECK)]
    assert not gx.passed and gx.severity == dg.AssetCheckSeverity.WARN
    assert gx.metadata["unexpected_counts"].value == {
        "segment must be one of consumer, smb, enterprise (expect_column_values_to_be_in_set)": 1
    }
    assert str(gx.metadata["gx_data_docs"].value).endswith("index.html")
    assert checks[("raw_orders", ingest_defs.GX_CHECK)].passed  # no rows: nothing failed
    assert checks[("raw_customers", ingest_defs.TABLE_CHECK)].passed
    missing = checks[("raw_orders", ingest_defs.TABLE_CHECK)]
    assert not missing.passed and missing.severity == dg.AssetCheckSeverity.ERROR
    assert missing.metadata["reason"].value == "landing folder orders/ is missing"
    mats = {m.asset_key.path[-1]: m for m in result.get_asset_materialization_events()}
    meta = mats["raw_customers"].materialization.metadata
    assert meta["rows_loaded"].value == 1 and meta["rows_landed"].value == 2
    assert meta["schema_drift"].value == {"customers/c.csv": ["loyalty_tier"]}
    assert set(mats) == {"raw_customers", "raw_orders", "raw_fx_rates"}


def test_definitions_shape():
    specs = list(ingest_defs.landing_tables.specs)
    assert len(specs) == 21
    assert all(s.group_name == "landing" and s.description for s in specs)
    deps = {s.key.path[-1]: {d.asset_key.path[-1] for d in s.deps} for s in specs}
    assert deps["raw_order_lines"] == {"raw_orders", "raw_products"}
    assert deps["raw_orders"] == {"raw_customers", "raw_fx_rates"}
    with_settings = dg.Definitions(resources={"kpi": KpiRunSettings.from_environment()})
    assert dg.Definitions.merge(ingest_defs.defs, with_settings).resolve_asset_graph()  # loads
