"""Great Expectations 1.x suites generated from `lib/contract.py`, and the run-time context.

One suite per raw table, named after it, committed as
`expectations/expectations/<table>.json` (the folder `expectations/` is a GX
file context root). `write_suites()` regenerates the files; a test asserts that
the committed files equal `suite_json(table)`.

The suites run on pandas DataFrames of the *landed strings* of new rows
(`lib/ingest.prepare_frame`): each contract column holds the trimmed string
(empty -> null), and for typed columns `<column>__v` holds the value parsed by
`prepare_frame` (null when the string does not parse). Format rules are
regexes on the strings, range and ordering rules compare the parsed values.
Every expectation carries `meta.rule`, the rule in words written to
`meta.quarantine.rule`. "Not in the future" uses the suite parameter
`load_clock` (the load time, naive UTC), supplied at validation time.

At run time the suites are loaded into a file context rooted at the home's
`gx/` folder (`Home.gx_dir`), so validation results and Data Docs never land
in git.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from orchestration.lib import contract as ct
from orchestration.lib.settings import EXPECTATIONS_DIR

SUITES_DIR = EXPECTATIONS_DIR / "expectations"
LOAD_CLOCK_PARAM = "load_clock"
_NS = uuid.UUID("6f1c2a4e-2b1d-4c55-9a57-1f0f3e2a7b10")


def typed(column: str) -> str:
    """Name of the parsed-value column next to a landed string column."""
    return f"{column}__v"


def max_discount(column: str) -> str:
    return f"{column}__max"


def expectation_configs(t: ct.Table) -> list[dict[str, Any]]:
    """(type, kwargs, rule) of every expectation of a table, as plain dicts."""
    out: list[dict[str, Any]] = []

    def add(type_: str, rule: str, **kwargs: Any) -> None:
        out.append({"type": type_, "kwargs": kwargs, "meta": {"rule": rule}})

    for c in t.columns:
        if not c.nullable:
            add("expect_column_values_to_not_be_null", ct.required_rule(c), column=c.name)
        if c.type in ct.TYPE_REGEX:
            add(
                "expect_column_values_to_match_regex",
                ct.type_rule(c),
                column=c.name,
                regex=ct.TYPE_REGEX[c.type],
            )
        if c.type in ("date", "timestamp"):
            # the regex checks the shape; this one checks the calendar (no 2024-02-30)
            add(
                "expect_column_values_to_not_be_null",
                ct.type_rule(c),
                column=typed(c.name),
                row_condition={"type": "nullity", "column": {"name": c.name}, "is_null": False},
            )
        if c.country:
            add(
                "expect_column_values_to_match_regex",
                ct.country_rule(c),
                column=c.name,
                regex=ct.COUNTRY_REGEX,
            )
        if c.allowed:
            add(
                "expect_column_values_to_be_in_set",
                ct.allowed_rule(c),
                column=c.name,
                value_set=list(c.allowed),
            )
        if c.min is not None or c.max is not None:
            kw: dict[str, Any] = {"column": typed(c.name)}
            if c.min is not None:
                kw["min_value"] = c.min
                kw["strict_min"] = c.min_strict
            if c.max is not None:
                kw["max_value"] = c.max
            add("expect_column_values_to_be_between", ct.range_rule(c), **kw)
        if c.not_in_future:
            add(
                "expect_column_values_to_be_between",
                ct.future_rule(c),
                column=typed(c.name),
                max_value={"$PARAMETER": LOAD_CLOCK_PARAM},
            )
        if c.not_usd:
            add(
                "expect_column_values_to_not_be_in_set",
                ct.not_usd_rule(c),
                column=c.name,
                value_set=["USD"],
            )
    for r in t.pair_rules:
        if r.kind in ("ge", "gt"):
            a, b = typed(r.a), typed(r.b)
        elif r.kind == "le":
            a, b = typed(r.b), typed(r.a)
        elif r.kind == "le_product":
            a, b = max_discount(r.a), typed(r.a)
        else:  # requires: b must be present where a is
            add(
                "expect_column_values_to_not_be_null",
                r.text,
                column=r.b,
                row_condition={"type": "nullity", "column": {"name": r.a}, "is_null": False},
            )
            continue
        add(
            "expect_column_pair_values_a_to_be_greater_than_b",
            r.text,
            column_A=a,
            column_B=b,
            or_equal=r.kind != "gt",
            ignore_row_if="either_value_is_missing",
        )
    return out


def suite_json(t: ct.Table) -> dict[str, Any]:
    """The committed JSON of a table's suite (stable ids, so regeneration is byte-identical)."""
    exps = []
    for i, e in enumerate(expectation_configs(t)):
        exps.append({**e, "id": str(uuid.uuid5(_NS, f"{t.name}/{i}/{e['meta']['rule']}"))})
    return {
        "name": t.name,
        "id": str(uuid.uuid5(_NS, t.name)),
        "expectations": exps,
        "meta": {
            "generated_from": "orchestration/lib/contract.py",
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


class GxRunner:
    """One file-backed GX context per ingestion run, rooted at `gx_dir`.

    Creating a context and registering suites is the slow part of GX, so this is
    built once and reused for every table of the run.
    """

    def __init__(self, gx_dir: Path, run_name: str):
        import great_expectations as gx

        gx_dir.mkdir(parents=True, exist_ok=True)
        self._gx = gx
        self.run_name = run_name
        self.context = gx.get_context(mode="file", context_root_dir=str(gx_dir))
        try:
            from great_expectations.data_context.types.base import ProgressBarsConfig

            self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        except Exception:  # pragma: no cover - cosmetic only
            pass
        self.datasource = self.context.data_sources.add_or_update_pandas("landing")
        self.validated: list[str] = []

    def validate(self, table: str, frame, load_clock) -> dict[int, list[str]]:
        """Run the table's suite on `frame`; return {row position: [rules broken]}."""
        import great_expectations as gx
        from great_expectations.core.run_identifier import RunIdentifier

        suite = load_suite(table)
        suite = self.context.suites.add_or_update(suite)
        names = [a.name for a in self.datasource.assets]
        asset = self.datasource.get_asset(table) if table in names else self.datasource.add_dataframe_asset(table)
        bd = (
            asset.get_batch_definition("new_rows")
            if "new_rows" in [b.name for b in asset.batch_definitions]
            else asset.add_batch_definition_whole_dataframe("new_rows")
        )
        vd = self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"{table}_new_rows", data=bd, suite=suite)
        )
        frame = frame.reset_index(drop=True)
        result = vd.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters={LOAD_CLOCK_PARAM: load_clock},
            result_format={"result_format": "COMPLETE", "include_unexpected_rows": False},
            run_id=RunIdentifier(run_name=self.run_name),
        )
        self.validated.append(table)
        verdicts: dict[int, list[str]] = {}
        for er in result.results:
            rule = er.expectation_config.meta.get("rule", er.expectation_config.type)
            if er.exception_info and er.exception_info.get("raised_exception"):
                # An expectation that could not run must not pass silently: every row fails it.
                msg = er.exception_info.get("exception_message", "")
                raise RuntimeError(f"GX expectation '{rule}' on {table} raised: {msg}")
            if er.success:
                continue
            for idx in er.result.get("unexpected_index_list") or []:
                rules = verdicts.setdefault(int(idx), [])
                if rule not in rules:
                    rules.append(rule)
        return verdicts

    def build_data_docs(self) -> str | None:
        """Build Data Docs for this run's validations; return the local index.html path."""
        try:
            keys = [
                k
                for k in self.context.validation_results_store.list_keys()
                if getattr(k.run_id, "run_name", None) == self.run_name
            ]
            sites = self.context.build_data_docs(resource_identifiers=keys or None)
        except Exception:  # Data Docs are a report; a rendering bug must not fail ingestion
            return None
        url = next(iter(sites.values()), None)
        return url[len("file://") :] if url and url.startswith("file://") else url


if __name__ == "__main__":
    for p in write_suites():
        print(p)
