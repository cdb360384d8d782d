"""Great Expectations 1.x suites generated from the contract, and their validation.

One suite per raw table, named after it, committed as `expectations/expectations/<table>.json`
(the folder `expectations/` is a GX file context root). The expectations are the checks of
`lib/rules.py` (each one also carries the SQL that finds its failing rows, so SQL and GX
cannot drift). `write_suites()` regenerates the files; a test asserts the committed files
equal `render(table)`.

`Validator` runs the suites on GX's SQL engine against the warehouse (`lib/gx_duckdb.py`):
each table's new rows are exposed as the view `gx.<table>` (trimmed strings, parsed
`<column>__v` values), GX computes every expectation in DuckDB, and the result of each
expectation (success, unexpected count, up to 20 example rows) comes back as plain data.
Validation results and Data Docs are kept in the home's `gx/` folder, never in git.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from orchestration.lib import contract as ct
from orchestration.lib.rules import checks
from orchestration.lib.settings import EXPECTATIONS_DIR

SUITES_DIR = EXPECTATIONS_DIR / "expectations"
BATCH_SCHEMA = "gx"
#: the columns that identify a row of a batch in GX's example lists
INDEX_COLUMNS = ["_file_name", "_row_number"]
_NS = uuid.UUID("6f1c2a4e-2b1d-4c55-9a57-1f0f3e2a7b10")


def suite_json(t: ct.Table) -> dict[str, Any]:
    """The committed JSON of a table's suite (stable ids, so regeneration is byte-identical)."""
    exps = []
    for c in checks(t):
        exps.append({**c.gx_config, "id": str(uuid.uuid5(_NS, f"{t.name}/{c.index}/{c.rule}"))})
    return {
        "name": t.name,
        "id": str(uuid.uuid5(_NS, t.name)),
        "expectations": exps,
        "meta": {
            "generated_from": "orchestration/lib/contract.py (checks in orchestration/lib/rules.py)",
            "regenerate_with": "python -m orchestration.lib.gx_suites",
        },
        "notes": t.description,
    }


def render(t: ct.Table) -> str:
    return json.dumps(suite_json(t), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_suites(folder: Path = SUITES_DIR) -> list[Path]:
    """Regenerate the committed suite files from the contract."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for t in ct.TABLES.values():
        p = folder / f"{t.name}.json"
        p.write_text(render(t), encoding="utf-8")
        paths.append(p)
    return paths


def load_suite(name: str, folder: Path = SUITES_DIR):
    """The committed suite as a GX `ExpectationSuite` (not yet attached to a context)."""
    import great_expectations as gx

    data = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    return gx.ExpectationSuite(**data)


#: A table's suite is run first for each expectation's unexpected count alone, and again with
#: examples of the unexpected rows (file, row number) only when an expectation fails. The
#: examples cost two more queries per expectation, each a scan of every new row when no row
#: fails (a LIMIT that never fills): validating scale 100's 6.25 M web sessions took 41 queries
#: and 11.6 s of them with the examples, 32 queries and 4.3 s without (the validation 11.3 s
#: wall against 5.2 s). The counts are the same in both formats (tests/test_gx_duckdb.py).
COUNTS_ONLY = {"result_format": "BASIC", "partial_unexpected_count": 0}
WITH_EXAMPLES = {
    "result_format": "SUMMARY",
    "unexpected_index_column_names": INDEX_COLUMNS,
    "partial_unexpected_count": 20,
}


class Validator:
    """One GX file context (rooted at `gx_dir`) validating batches of the warehouse.

    Creating the context and registering the suites is the slow part of GX; it happens once
    per process (the GX worker of lib/gx_worker.py keeps it between runs).
    """

    def __init__(self, gx_dir: Path):
        import great_expectations as gx

        import orchestration.lib.gx_duckdb  # noqa: F401  (registers the duckdb_warehouse data source)

        gx_dir.mkdir(parents=True, exist_ok=True)
        self.gx = gx
        self.context = gx.get_context(mode="file", context_root_dir=str(gx_dir))
        try:
            from great_expectations.data_context.types.base import ProgressBarsConfig

            self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        except Exception:  # pragma: no cover - cosmetic only
            pass
        self._suites = {t: self.context.suites.add_or_update(load_suite(t)) for t in ct.TABLES}
        self._validations: dict[str, Any] = {}
        self._warehouse: str | None = None
        self.datasource = None

    def _attach(self, warehouse: str) -> None:
        if self.datasource is not None and self._warehouse == warehouse:
            return
        self.datasource = self.context.data_sources.add_or_update_duckdb_warehouse(
            name="warehouse", connection_string=warehouse, batch_schema=BATCH_SCHEMA
        )
        self._warehouse = warehouse
        self._validations = {}

    def _validation(self, table: str):
        if table not in self._validations:
            ds = self.datasource
            names = [a.name for a in ds.assets]
            asset = ds.get_asset(table) if table in names else ds.add_table_asset(table, table_name=table)
            bd = (
                asset.get_batch_definition("new_rows")
                if "new_rows" in [b.name for b in asset.batch_definitions]
                else asset.add_batch_definition_whole_table("new_rows")
            )
            self._validations[table] = self.context.validation_definitions.add_or_update(
                self.gx.ValidationDefinition(name=f"{table}_new_rows", data=bd, suite=self._suites[table])
            )
        return self._validations[table]

    def validate(self, warehouse: str, tables: list[str], run_name: str) -> dict[str, list[dict]]:
        """Validate `gx.<table>` of each table; {table: [per expectation, in suite order:
        {rule, success, unexpected_count, examples: [[file, row], ...], error}]}."""
        from great_expectations.core.run_identifier import RunIdentifier

        self._attach(warehouse)
        out: dict[str, list[dict]] = {}
        try:
            for table in tables:
                run_id = RunIdentifier(run_name=run_name)
                result = self._validation(table).run(result_format=COUNTS_ONLY, run_id=run_id)
                if not result.success:
                    run_id = RunIdentifier(run_name=run_name)
                    result = self._validation(table).run(result_format=WITH_EXAMPLES, run_id=run_id)
                by_id = {er.expectation_config.id: er for er in result.results}
                rows = []
                for exp in self._suites[table].expectations:
                    er = by_id[exp.id]
                    info = er.exception_info or {}
                    examples = er.result.get("partial_unexpected_index_list") or []
                    rows.append(
                        {
                            "rule": exp.meta.get("rule"),
                            "type": exp.expectation_type,
                            "success": bool(er.success),
                            "unexpected_count": er.result.get("unexpected_count"),
                            "examples": [[e.get(c) for c in INDEX_COLUMNS] for e in examples],
                            "error": info.get("exception_message") if info.get("raised_exception") else None,
                        }
                    )
                out[table] = rows
        finally:
            self.datasource.release()
        return out

    def build_data_docs(self, run_name: str) -> str | None:
        """Build Data Docs for one run's validations; return the local index.html path."""
        try:
            # a suite run twice (counts, then examples: `validate`) shows its second run
            latest: dict[str, Any] = {}
            for k in self.context.validation_results_store.list_keys():
                if getattr(k.run_id, "run_name", None) != run_name:
                    continue
                suite = k.expectation_suite_identifier.name
                if suite not in latest or k.run_id.run_time > latest[suite].run_id.run_time:
                    latest[suite] = k
            keys = list(latest.values())
            sites = self.context.build_data_docs(resource_identifiers=keys or None)
        except Exception:  # Data Docs are a report; a rendering bug must not fail ingestion
            return None
        url = next(iter(sites.values()), None)
        return url[len("file://") :] if url and url.startswith("file://") else url


if __name__ == "__main__":
    for p in write_suites():
        print(p)
