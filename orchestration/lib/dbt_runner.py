"""dbt in this process (dbt's programmatic API, `dbtRunner`), its node results streamed as they finish.

dagster-dbt's `DbtCliResource.cli` starts `dbt --version` and then a `dbt` subprocess on every
run: about 9 s of start-up on this project's 2-core machine before the first model is built
(measured: `dbt --version` 4.6 s, importing dbt 4.4 s). In process, dbt is imported once and
keeps its parsed project between runs (partial parsing in the home's own target folder), so
a night pays for the models it builds, not for two dbt start-ups.

    for node in run_dbt(["build"], project_dir, target_path):
        node.unique_id, node.status, node.message

dbt runs in a worker thread (its own threads build the models); the caller's thread gets each
node's result as soon as dbt reports it, so the Dagster UI shows progress model by model.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_LOCK = threading.Lock()  # dbt's global state allows one invocation at a time per process
_DONE = object()


@dataclass(frozen=True)
class NodeResult:
    unique_id: str
    status: str  # success, error, skipped, pass, fail, warn
    message: str
    seconds: float
    failures: int | None = None


class DbtFailed(RuntimeError):
    pass


def dbt_vars() -> str:
    """The `--vars` of the pipeline's dbt build, and of `dbt parse` (make install): dbt re-parses
    the whole project when the vars differ from those of its partial parse."""
    import json

    from orchestration.lib.settings import quarantine_threshold

    return json.dumps({"quarantine_threshold": quarantine_threshold()})


def _partial_parse_in_any_home() -> None:
    """dbt's partial parse holds a digest of the profile's connection settings, the warehouse's
    path among them, and parses the whole project again (about 5 s here) when it differs: in
    every new home, the first night after a home moves, and every test's own warehouse. The
    path is left out of that digest here: no model reads `target.path` (tests/test_dbt_project.py
    checks), and the database name, which the parsed nodes do carry, stays in it."""
    import pprint

    from dbt.contracts.files import FileHash
    from dbt.parser.manifest import ManifestLoader

    if getattr(ManifestLoader, "_kpi_path_free_profile_hash", False):
        return
    original = ManifestLoader.build_manifest_state_check

    def build_manifest_state_check(self):
        state = original(self)
        keys = sorted((k, v) for k, v in self.root_project.credentials.connection_info() if k != "path")
        state.profile_hash = FileHash.from_contents(pprint.pformat(keys))
        return state

    ManifestLoader.build_manifest_state_check = build_manifest_state_check
    ManifestLoader._kpi_path_free_profile_hash = True


#: the commands whose end-of-run manifest.json would only add the compiled SQL (_one_manifest_write)
_RUN_COMMANDS = {"build", "run", "test"}
_invocation: dict[str, str] = {}


def _one_manifest_write() -> None:
    """dbt writes manifest.json (1.8 MB) and semantic_manifest.json twice per build: after the
    parse, and again at the end, the same graph with each node's compiled SQL added (about
    0.4 s of a night, under the GIL the Dagster step shares). Nothing here reads the compiled
    SQL from a home's manifest (the publish reads its graph and semantic models), so the end
    write is skipped for build, run and test; the file dbt's parse wrote stays, and `dbt
    compile` or `dbt docs generate` still write theirs."""
    import dbt.task.runnable as runnable

    if getattr(runnable, "_kpi_one_manifest_write", False):
        return
    original = runnable.write_manifest

    def write_manifest(manifest, target_path, *args, **kwargs):
        if _invocation.get("command") not in _RUN_COMMANDS:
            original(manifest, target_path, *args, **kwargs)

    runnable.write_manifest = write_manifest
    runnable._kpi_one_manifest_write = True


#: target folder -> (token, the Manifest `preload_manifest` parsed for the run named by token)
_PRELOADED: dict[str, tuple[str, object]] = {}
_PRELOADING: dict[str, threading.Thread] = {}


def preload_manifest(project_dir: Path, target_path: Path, token: str, env: dict[str, str] | None = None) -> None:
    """`dbt parse` in a background thread, for the build that `run_dbt(..., manifest_token=token)`
    will run next in `target_path`: the pipeline starts it when the landing starts, so that dbt's
    import and parse (about 1.5 s of a small night before its first model) run while DuckDB lands
    the files, instead of after. A parse that fails is dropped: the build parses again itself and
    reports the error."""
    key = str(target_path)
    _PRELOADED.pop(key, None)

    def parse() -> None:
        try:
            for _ in run_dbt(["parse", "--vars", dbt_vars()], project_dir, target_path, env=env, preload_token=token):
                pass
        except Exception:  # noqa: BLE001 - the build parses and reports it
            _PRELOADED.pop(key, None)

    _PRELOADING[key] = thread = threading.Thread(target=parse, name="dbt-parse", daemon=True)
    thread.start()


def _preloaded(target_path: Path, token: str | None):
    """The manifest preloaded for `token` in `target_path` (None: parse as usual); used once."""
    key = str(target_path)
    thread = _PRELOADING.pop(key, None)
    if thread is not None:
        thread.join()
    kept = _PRELOADED.pop(key, None)
    return kept[1] if kept is not None and token is not None and kept[0] == token else None


def run_dbt(
    args: list[str],
    project_dir: Path,
    target_path: Path,
    log_path: Path | None = None,
    env: dict[str, str] | None = None,
    manifest_token: str | None = None,
    preload_token: str | None = None,
) -> Iterator[NodeResult]:
    """Run `dbt <args>` in process; yield each node's result as it finishes. `env`: variables set
    for this invocation only (the profile's KPI_WAREHOUSE_PATH), restored after. Raises DbtFailed
    (with dbt's messages) when dbt itself fails to run (a parse error, a missing profile).
    `manifest_token`: use the manifest `preload_manifest` parsed under that token, if any;
    `preload_token`: (a parse) keep the manifest it parses for that token."""
    from dbt.cli.main import dbtRunner

    manifest = _preloaded(target_path, manifest_token) if manifest_token is not None else None
    _partial_parse_in_any_home()
    _one_manifest_write()
    events: queue.Queue = queue.Queue()
    outcome: dict = {"errors": []}

    def on_event(event) -> None:
        name = event.info.name
        if name == "NodeFinished":
            r = event.data.run_result
            events.put(
                NodeResult(
                    unique_id=event.data.node_info.unique_id,
                    status=r.status,
                    message=r.message,
                    seconds=r.execution_time,
                    failures=r.num_failures or None,
                )
            )
        elif name == "MainEncounteredError":
            outcome["errors"].append(event.info.msg)

    def invoke() -> None:
        try:
            outcome["result"] = dbtRunner(manifest=manifest, callbacks=[on_event]).invoke(
                [
                    *args,
                    "--project-dir",
                    str(project_dir),
                    "--profiles-dir",
                    str(project_dir),
                    "--target-path",
                    str(target_path),
                    "--log-path",
                    str(log_path or target_path),
                    "--quiet",
                ]
            )
        except BaseException as err:  # pragma: no cover - reported below
            outcome["exception"] = err
        finally:
            events.put(_DONE)

    env = {
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
        # dbt.log at info (each node's start, end and errors), not debug (every statement): with
        # four threads on two cores, writing debug lines under the log handler's lock cost about
        # a third of dbt's threads' time in a small night. DBT_LOG_LEVEL_FILE=debug brings them back.
        "DBT_LOG_LEVEL_FILE": os.environ.get("DBT_LOG_LEVEL_FILE") or "info",
        **(env or {}),
    }
    with _LOCK:
        _invocation["command"] = args[0] if args else ""
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        worker = threading.Thread(target=invoke, name="dbt", daemon=True)
        worker.start()
        try:
            while (item := events.get()) is not _DONE:
                yield item
            worker.join()
        finally:
            _close_warehouse()
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    if "exception" in outcome:
        raise DbtFailed(f"dbt could not run: {outcome['exception']}") from outcome["exception"]
    res = outcome["result"]
    if preload_token is not None and res.success:
        _PRELOADED[str(target_path)] = (preload_token, res.result)
    if not res.success and getattr(res.result, "results", None) is None:
        errors = "\n".join(outcome["errors"]) or str(res.exception or "unknown error")
        raise DbtFailed(f"dbt could not run (fix the project, then run again):\n{errors}")


def _close_warehouse() -> None:
    """dbt-duckdb keeps its database open after a run (keep_open, faster builds); close it, so
    the rest of the pipeline can open the warehouse with its own settings. Its environment is
    closed here (dbt has closed the cursors of its threads by then), not left to a full
    garbage collection (about 0.2 s at the end of every build)."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - another adapter
        return
    with DuckDBConnectionManager._LOCK:
        env, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if env is not None:
        env.close()


def parse_project(project_dir: Path, target_path: Path) -> None:
    """`dbt parse` in process, writing manifest.json and partial_parse.msgpack to `target_path`."""
    for _ in run_dbt(["parse", "--vars", dbt_vars()], project_dir, target_path):
        pass
    if not (target_path / "manifest.json").exists():
        raise DbtFailed(f"dbt parse wrote no manifest to {target_path}")
