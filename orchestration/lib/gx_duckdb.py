"""Great Expectations 1.x on its SQL engine against the DuckDB warehouse.

GX 1.24 has no DuckDB data source. Through duckdb-engine (DuckDB's SQLAlchemy dialect)
its generic SQL data source fails in two ways, both seen here:

1. Every metric comes back empty (GX issue 10738, `IndexError` in
   `resolve_metric_bundle`), so every expectation "fails" with no count. The cause: GX
   executes a query, closes the SQLAlchemy connection and only then fetches; DuckDB
   results stream from the open connection, so the fetch finds nothing. The engine
   below keeps one connection open for the engine's lifetime (what GX already does for
   SQLite, SQL Server, BigQuery and Databricks), so results are read before it closes.
2. Regex expectations raise "Regex is not supported for dialect duckdb": GX only builds
   regex SQL for dialects it knows. duckdb-engine's dialect derives from PostgreSQL's and
   DuckDB accepts PostgreSQL's `~` / `!~` operators, so the engine declares the
   PostgreSQL dialect module for building expressions.

`WarehouseDatasource` is a GX fluent data source (GX's own extension point: subclassing
registers the type `duckdb_warehouse`) whose tables are those of one schema of the
warehouse file, opened read-only. tests/test_gx_duckdb.py shows that a passing
expectation passes and a failing one fails with the exact count, on this path.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Literal

import duckdb_engine
import sqlalchemy as sa
import sqlalchemy.dialects.postgresql as postgresql_dialect
from great_expectations.datasource.fluent.sql_datasource import SQLDatasource
from great_expectations.execution_engine.sqlalchemy_execution_engine import SqlAlchemyExecutionEngine

from orchestration.lib import duck


class DuckDBExecutionEngine(SqlAlchemyExecutionEngine):
    """GX's SQL engine with the two DuckDB fixes described in the module docstring."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dialect_module = postgresql_dialect

    @contextmanager
    def get_connection(self):
        if self._connection is None:
            self._connection = self.engine.connect()
        yield self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self.engine.dispose()


class WarehouseDatasource(SQLDatasource):
    """The tables of `batch_schema` in the DuckDB file `connection_string`, read-only."""

    type: Literal["duckdb_warehouse"] = "duckdb_warehouse"  # type: ignore[assignment]
    batch_schema: str = "main"

    @property
    def execution_engine_type(self) -> type[SqlAlchemyExecutionEngine]:
        return DuckDBExecutionEngine

    def _create_engine(self) -> sa.Engine:
        path, schema = str(self.connection_string), self.batch_schema

        def connect():
            # under its own memory limit: it validates while the pipeline resolves keys (lib/duck.py)
            con = duck.connect(path, read_only=True, memory=duck.gx_memory_limit())
            # unqualified table names resolve in the batch schema (GX drops schema names in
            # its column-reflection fallback)
            con.execute(f"SET search_path = '{schema}'")
            return duckdb_engine.ConnectionWrapper(con)

        return sa.create_engine("duckdb://", creator=connect, poolclass=sa.pool.NullPool)

    def get_execution_engine(self) -> SqlAlchemyExecutionEngine:
        if self._execution_engine is None:
            self._execution_engine = DuckDBExecutionEngine(engine=self.get_engine(), create_temp_table=False)
        return self._execution_engine

    def release(self) -> None:
        """Close the warehouse file, so the ingesting process can write it again."""
        if self._execution_engine is not None:
            self._execution_engine.close()  # type: ignore[attr-defined]
            self._execution_engine = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
