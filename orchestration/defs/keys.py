"""The asset keys that several definitions name: one home, so a key is built one way."""

import dagster as dg

RAW_PREFIX = "raw_"


def raw_key(table: str) -> dg.AssetKey:
    """The asset of raw table `table` (ingestion's output, dbt's source `raw.<table>`)."""
    return dg.AssetKey(f"{RAW_PREFIX}{table}")


def table_of(key: dg.AssetKey) -> str:
    """The raw table of a raw_<table> asset key."""
    return key.path[-1].removeprefix(RAW_PREFIX)


def meta_key(name: str) -> dg.AssetKey:
    """The asset of bookkeeping table `meta.<name>` (dbt's source `meta`)."""
    return dg.AssetKey(f"meta_{name}")
