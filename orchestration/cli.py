"""The `kpi` command. Each verb lives in orchestration/commands/<verb>.py and exposes
`configure(parser)` and `run(args) -> int`; this file only dispatches."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

# verb -> (module, one-line help). Modules are imported only when their verb runs,
# so `kpi --help` stays fast.
VERBS: dict[str, tuple[str, str]] = {
    "demo-data": ("demo_data", "write a deterministic demo landing zone (all 21 raw tables)"),
    "run": ("run", "run the whole pipeline through Dagster and print a summary and the scorecard"),
    "ui": ("ui", "serve the Dagster UI for this project on 127.0.0.1"),
    "scorecard": ("scorecard", "print the scorecard (terminal, json or csv)"),
    "query": ("query", "slice KPIs by dimensions through the semantic layer (MetricFlow), read-only"),
    "report": ("report", "write the scorecard report: one self-contained HTML file under <home>/reports"),
    "lint": ("lint", "check every KPI declaration: is each KPI a good KPI?"),
    "backfill": ("backfill", "re-run the pipeline for a range of as-of dates"),
    "bench": ("bench", "benchmark a full build and nightly increments"),
}


def _add_home(parser: argparse.ArgumentParser) -> None:
    from orchestration.commands.args import home_folder

    parser.add_argument(
        "--home",
        type=home_folder,
        help="folder that holds all state (warehouse, ledger, Dagster instance, outputs); default: $KPI_HOME or ./data",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kpi",
        description="The KPI metrics layer: ingest a landing zone, compute every KPI in dbt, "
        "guard inputs with Great Expectations, hold targets and publish values and a scorecard.",
        epilog="Every verb takes --home DIR (or $KPI_HOME, default ./data). `kpi VERB --help` for more.",
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for verb, (module, help_text) in VERBS.items():
        p = sub.add_parser(verb, help=help_text, description=help_text)
        _add_home(p)
        p.set_defaults(_module=module)
        mod = _load(module)
        if mod is not None:
            mod.configure(p)
    return parser


def _load(module: str):
    try:
        return importlib.import_module(f"orchestration.commands.{module}")
    except ModuleNotFoundError as exc:
        if exc.name == f"orchestration.commands.{module}":
            return None
        raise


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "verb", None):
        parser.print_help()
        return 2
    if args.home:
        os.environ["KPI_HOME"] = str(args.home)
    else:
        env_home = Path(os.environ.get("KPI_HOME", "data")).resolve()
        if env_home.exists() and not env_home.is_dir():
            parser.error(f"KPI_HOME={env_home} is a file; the home is a folder (set KPI_HOME or --home to a folder)")
    mod = _load(args._module)
    if mod is None:
        print(f"kpi {args.verb}: not available in this build", file=sys.stderr)
        return 2
    try:
        return int(mod.run(args) or 0)
    except BrokenPipeError:
        # the reader went away (`kpi scorecard | head`): not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(f"kpi {args.verb}: interrupted", file=sys.stderr)
        return 130


def entry() -> None:
    """The `kpi` command (and `python -m orchestration.cli`): main(), then a quick exit. The
    exit handlers run (the Great Expectations worker is stopped) and the output is flushed, but
    the interpreter does not tear down the thousands of modules and objects Dagster, dbt and
    DuckDB leave loaded (about 2 s at the end of every `kpi run`): every file is closed by then
    (the warehouse, the serving database and the Dagster event log are closed by the code that
    opened them, and their writes are committed)."""
    import atexit
    import contextlib

    code = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
