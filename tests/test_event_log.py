"""A home's Dagster event log (orchestration/event_log.py): written by the cheaper storage of
each home's dagster.yaml, read back as Dagster's own SQLite files."""

from __future__ import annotations

import dagster as dg
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from orchestration.event_log import KEPT_ENGINES, FastSqliteEventLogStorage
from orchestration.lib.instance import prepare_dagster_home
from orchestration.lib.settings import Home


@dg.asset
def tiny() -> int:
    return 1


@dg.asset
def tiny_child(tiny: int) -> int:
    return tiny + 1


@dg.asset_check(asset=tiny)
def tiny_is_one() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True, metadata={"value": 1})


def test_home_event_log_is_dagsters_sqlite_written_cheaper(tmp_path):
    path = prepare_dagster_home(Home(tmp_path / "home"))
    runs = []
    with dg.DagsterInstance.from_config(path) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, FastSqliteEventLogStorage)
        for _ in range(KEPT_ENGINES + 2):  # more runs than engines kept: old ones are disposed
            result = dg.materialize([tiny, tiny_child, tiny_is_one], instance=instance)
            assert result.success
            runs.append(result.run_id)
        assert len(storage._engines) <= KEPT_ENGINES
        with storage.run_connection(runs[-1]) as conn:
            assert conn.exec_driver_sql("pragma synchronous").scalar() == 1  # NORMAL: no fsync per commit
            assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
        written = {run: [e.dagster_event_type for e in instance.all_logs(run) if e.is_dagster_event] for run in runs}
        # the data version of a child's inputs, read through the remembered schema lookups
        tags = {
            key: instance.get_latest_materialization_event(dg.AssetKey(key)).asset_materialization.tags
            for key in ("tiny", "tiny_child")
        }
        assert tags["tiny_child"]["dagster/input_data_version/tiny"] == tags["tiny"]["dagster/data_version"]
        assert storage._asset_key_columns and storage._secondary_indexes  # remembered, not asked again
        # the first run's events, still readable through a disposed engine's database
        assert dg.DagsterEventType.ASSET_MATERIALIZATION in written[runs[0]]
        assert dg.DagsterEventType.ASSET_CHECK_EVALUATION in written[runs[0]]

    # Dagster's own storage on the same folder reads every event and the cross-run index
    plain = SqliteEventLogStorage(str(tmp_path / "home" / "dagster" / "history" / "runs"))
    try:
        for run in runs:
            assert [e.dagster_event_type for e in plain.get_logs_for_run(run) if e.is_dagster_event] == written[run]
        latest = plain.get_latest_materialization_events([dg.AssetKey("tiny")])[dg.AssetKey("tiny")]
        assert latest is not None and latest.run_id == runs[-1]
        assert len(plain.fetch_materializations(dg.AssetKey("tiny"), limit=100).records) == len(runs)
        # what the storage remembers is what Dagster's own finds in the files; a no is asked again
        for column in storage._asset_key_columns | {"no_such_column"}:
            assert storage.has_asset_key_col(column) == plain.has_asset_key_col(column)
        for index in storage._secondary_indexes | {"no_such_migration"}:
            assert storage.has_secondary_index(index) == plain.has_secondary_index(index)
        assert "no_such_column" not in storage._asset_key_columns
    finally:
        plain.dispose()
