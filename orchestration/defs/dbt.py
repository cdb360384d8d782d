"""The dbt project as Dagster assets: staging, facts, intermediate, KPI and mart models.

Group names follow the dbt folder (staging, facts, intermediate, kpis, outputs), and the raw
sources map onto the ingestion assets `raw_<table>`, so the graph runs from the landing zone
to the published outputs without a name written twice. dagster-dbt builds the graph from the
manifest of the `DbtProject` (lib/dbt_manifest.py); dbt itself runs in this process
(lib/dbt_runner.py), each model's materialization and each test's check result reported to
Dagster as soon as dbt finishes it.
"""

import json
import shutil
from collections.abc import Mapping
from functools import cache
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets
from dagster_dbt.asset_utils import get_asset_check_key_for_test, get_subset_selection_for_context

from orchestration.defs.keys import meta_key, raw_key
from orchestration.defs.resources import AS_OF_PARTITIONS, ONE_DAY_PER_RUN, KpiRunSettings
from orchestration.lib.dbt_manifest import (
    PROJECT,
    existing_views,
    prepared_manifest,
    project_fingerprint,
    write_run_context,
)
from orchestration.lib.dbt_manifest import views as dbt_views

MANIFEST_PATH = prepared_manifest()

_FOLDER_GROUPS = {
    "staging": "staging",
    "facts": "facts",
    "intermediate": "intermediate",
    "kpis": "kpis",
    "marts": "outputs",
}
_ASSET_NODES = ("model.", "seed.", "snapshot.")


class KpiDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            if dbt_resource_props["source_name"] == "meta":
                return meta_key(dbt_resource_props["name"])
            return raw_key(dbt_resource_props["name"])
        return dg.AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        folder = fqn[1] if len(fqn) > 2 else None
        return _FOLDER_GROUPS.get(folder, "kpis")


TRANSLATOR = KpiDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@cache
def _manifest() -> dict:
    return json.loads(MANIFEST_PATH.read_text())


#: what a night that keeps the views builds: the tables, the incremental models and every data test
KEEP_VIEWS_SELECTION = (
    "config.materialized:table config.materialized:incremental resource_type:test resource_type:seed"
    " resource_type:snapshot"
)


def _dagster_events(context: dg.AssetExecutionContext, node, manifest: dict, failures: list[str]):
    uid = node.unique_id
    if uid.startswith(_ASSET_NODES):
        if uid not in manifest["nodes"]:
            context.log.warning(f"{uid} is not in the prepared manifest (run `make install` to refresh the graph)")
            return
        key = TRANSLATOR.get_asset_spec(manifest, uid, PROJECT).key
        if node.status == "success":
            yield dg.MaterializeResult(
                asset_key=key,
                metadata={"dbt_seconds": round(node.seconds, 3), "dbt_message": node.message},
            )
        elif node.status == "error":
            failures.append(f"{uid}: {node.message}")
    elif uid.startswith("test."):
        check = get_asset_check_key_for_test(manifest, TRANSLATOR, uid, PROJECT)
        failed = node.status in ("fail", "error", "warn")
        if check is not None and check in context.selected_asset_check_keys:
            yield dg.AssetCheckResult(
                asset_key=check.asset_key,
                check_name=check.name,
                passed=not failed,
                severity=dg.AssetCheckSeverity.WARN if node.status == "warn" else dg.AssetCheckSeverity.ERROR,
                metadata={"failing_rows": node.failures or 0, "dbt_message": node.message},
            )
        if node.status in ("fail", "error"):
            failures.append(f"{uid}: {node.message}")


def _project_changed(home) -> bool:
    """Whether the dbt project differs from the one of this home's last complete build (or no
    complete build is on record)."""
    try:
        last = json.loads(home.dbt_built.read_text())
    except (OSError, ValueError):
        return True
    return last.get("fingerprint") != project_fingerprint()


def _views_to_keep(home, manifest: dict) -> dict[str, tuple[str, str]]:
    """The views this build may keep as they are: all of them, when the dbt project is the one
    of this home's last complete, successful build (lib/dbt_manifest.project_fingerprint) and the
    warehouse still holds every view; else none. A view holds no data and its SQL does not
    depend on the day (the as-of date is read from meta.run_context when it is queried), so
    re-creating the 96 views (staging, facts, KPIs, semantic) every night was dbt's fixed
    cost per node for nothing."""
    if _project_changed(home):
        return {}
    views = dbt_views(manifest)
    present = existing_views(home.warehouse)
    return views if all(v in present for v in views.values()) else {}


def _record_complete_build(home) -> None:
    path = home.dbt_built
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"fingerprint": project_fingerprint()}))
    tmp.replace(path)


class _KeptViews:
    """Reports the kept views to Dagster in the graph's order: a view once every model it reads
    has been reported (a multi-asset yields its assets in topological order)."""

    def __init__(self, manifest: dict, kept) -> None:
        nodes = manifest["nodes"]
        self._waiting = {uid: {p for p in nodes[uid]["depends_on"]["nodes"] if p.startswith("model.")} for uid in kept}
        self._done: set[str] = set()

    def ready(self, finished: str | None = None) -> list[str]:
        if finished is not None:
            self._done.add(finished)
        out: list[str] = []
        while ready := sorted(uid for uid, parents in self._waiting.items() if parents <= self._done):
            for uid in ready:
                del self._waiting[uid]
                self._done.add(uid)
            out += ready
        return out


def _kept_view_result(manifest: dict, uid: str) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        asset_key=TRANSLATOR.get_asset_spec(manifest, uid, PROJECT).key,
        metadata={"dbt_message": "view kept: the dbt project is the one of the last complete build"},
    )


def _home_target(home):
    """The home's own target folder: dbt's artifacts stay out of the repository, and each night
    reuses the previous night's partial parse (a new home starts from the prepared one)."""
    target = home.dbt_target
    prepared = PROJECT.project_dir / PROJECT.target_path / "partial_parse.msgpack"
    if not (target / "partial_parse.msgpack").exists() and prepared.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(prepared, target / "partial_parse.msgpack")
    return target


def preload_dbt(context: dg.AssetExecutionContext, home) -> None:
    """Start dbt's parse for this run's build in the background (lib/dbt_runner.preload_manifest),
    when the run builds dbt models: the landing calls it as it starts."""
    from orchestration.lib.dbt_runner import preload_manifest

    selection = context.run.asset_selection
    if not selection or not selection.isdisjoint(kpi_dbt_models.keys):  # none: the whole job
        env = {"KPI_WAREHOUSE_PATH": str(home.warehouse)}
        preload_manifest(PROJECT.project_dir, _home_target(home), context.run_id, env=env)


@dbt_assets(
    manifest=MANIFEST_PATH,
    project=PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    partitions_def=AS_OF_PARTITIONS,
    backfill_policy=ONE_DAY_PER_RUN,
)
def kpi_dbt_models(context: dg.AssetExecutionContext, kpi: KpiRunSettings):
    """Build every dbt model and run its data tests against the warehouse of this home."""
    from orchestration.lib.dbt_runner import dbt_vars, run_dbt

    home = kpi.get_home().ensure()
    as_of = kpi.as_of_date(context)
    env = {"KPI_WAREHOUSE_PATH": str(home.warehouse)}  # the profile's path (profiles.yml)
    write_run_context(home.warehouse, as_of)
    target = _home_target(home)
    manifest = _manifest()
    selection, indirect = get_subset_selection_for_context(context, manifest, None, None, None, TRANSLATOR, None)
    if indirect is not None:
        env["DBT_INDIRECT_SELECTION"] = indirect
    # dbt's unit tests check the KPI arithmetic on given rows (tests/test_dbt_unit_tests.py), not the night's data
    args = ["build", *selection, "--exclude-resource-type", "unit_test", "--vars", dbt_vars()]
    kept_views = {} if selection else _views_to_keep(home, manifest)
    if kept_views:
        # every node but the views, selected rather than the views excluded: an exclusion drops
        # the tests of what it excludes too (dbt's indirect selection), and the data tests that
        # read the KPI views must still run; dbt keeps the order through the unselected views
        args += ["--select", KEEP_VIEWS_SELECTION]
        context.log.info(
            f"keeping the {len(kept_views)} views of the last complete build (the dbt project is unchanged)"
        )
    elif not selection and _project_changed(home) and home.dbt_built.exists():
        # an incremental model keeps the rows its old SQL wrote: a changed project rebuilds them
        args.append("--full-refresh")
        context.log.info("the dbt project changed since the last complete build: every incremental model is rebuilt")
    context.log.info(f"dbt build on {home.warehouse} as of {as_of}")
    failures: list[str] = []
    kept = _KeptViews(manifest, kept_views)
    for uid in kept.ready():
        yield _kept_view_result(manifest, uid)
    # the manifest the landing's preload_dbt parsed for this run, if any (else dbt parses now)
    for node in run_dbt(args, PROJECT.project_dir, target, env=env, manifest_token=context.run_id):
        yield from _dagster_events(context, node, manifest, failures)
        if node.status in ("success", "pass"):
            for uid in kept.ready(node.unique_id):
                yield _kept_view_result(manifest, uid)
    if not failures and not selection:
        _record_complete_build(home)
    if failures:
        raise dg.Failure(
            description=f"{len(failures)} dbt node(s) failed; fix them and run again (the run is safe to repeat)",
            metadata={"failures": dg.MetadataValue.md("\n".join(f"- {f}" for f in failures[:50]))},
        )


defs = dg.Definitions(assets=[kpi_dbt_models])
