"""Dagster's SQLite event log, with the cost of one event brought down from ~15 ms to ~1 ms.

A run of the pipeline writes about 850 events (a planned and a done event per asset and per
check, a step output per asset...). Dagster's `SqliteEventLogStorage` creates a SQLAlchemy
engine, opens a new SQLite connection and commits with a full fsync for each write, and an
asset event is written twice (its run's database and the cross-run index): about a quarter
of a small night went there. This storage keeps the same files, tables and layout (a home's
history reads as before, `dagster dev` and `kpi ui` read it as before) and changes only how
it connects:

- one engine per database, kept (the last few), instead of one engine per write;
- a table once seen is remembered (`has_table`, asked on every asset event, made an engine),
  and so are a column of the asset keys table and a completed secondary-index migration,
  which Dagster looks up again (a schema inspection, a query) each time it reads the data
  version of an asset's inputs: about 130 times in a night, once per dbt model;
- `PRAGMA synchronous=NORMAL` on each connection. The databases are in WAL mode (Dagster sets
  it when it creates them); in WAL mode NORMAL never corrupts the database, and a commit
  skips the fsync: on a power cut the last events of a run may be missing, which Dagster
  reports as a run that did not finish (the warehouse itself is DuckDB's, untouched by this).

orchestration/lib/instance.py names this class in each home's dagster.yaml (`event_log_storage`).
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Iterator

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import SqliteStorageConfig
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine

#: a process seldom writes more than a run's database and the index at once; the webserver
#: reads one run at a time: a few engines are enough, and an evicted one is disposed
KEPT_ENGINES = 8


def _pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


class FastSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` that keeps its engines and skips the fsync of each commit."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables: set[str] = set()
        self._asset_key_columns: set[str] = set()
        self._secondary_indexes: set[str] = set()
        super().__init__(base_dir, inst_data)

    # A table, a column or a completed data migration is never removed once there (a migration
    # only adds them, and `wipe` deletes rows, not these): each remembers its yeses.

    def has_table(self, table_name: str) -> bool:
        if table_name not in self._tables and super().has_table(table_name):
            self._tables.add(table_name)
        return table_name in self._tables

    def has_asset_key_col(self, column_name: str) -> bool:
        return column_name in self._asset_key_columns or super().has_asset_key_col(column_name)

    def _has_asset_key_col_on_connection(self, conn: Connection, column_name: str) -> bool:
        if column_name not in self._asset_key_columns and super()._has_asset_key_col_on_connection(conn, column_name):
            self._asset_key_columns.add(column_name)
        return column_name in self._asset_key_columns

    def has_secondary_index(self, name: str) -> bool:
        if name not in self._secondary_indexes and super().has_secondary_index(name):
            self._secondary_indexes.add(name)
        return name in self._secondary_indexes

    @classmethod
    def from_config_value(cls, inst_data, config_value: SqliteStorageConfig) -> FastSqliteEventLogStorage:  # ty: ignore[invalid-method-override]
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = create_engine(
            self.conn_string_for_shard(shard),
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        event.listen(engine, "connect", _pragmas)
        self._engines[shard] = engine
        while len(self._engines) > KEPT_ENGINES:
            _, old = self._engines.popitem(last=False)
            old.dispose()
        return engine

    @contextlib.contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
