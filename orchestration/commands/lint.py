"""`kpi lint`: is each declared KPI a good KPI? Exits 1 when any declaration has an error."""

from __future__ import annotations

import argparse
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--targets", metavar="DIR", help="folder of target declarations (default: dbt_project/kpi_targets)"
    )
    parser.add_argument("--kpis", metavar="DIR", help="folder of KPI definitions (default: dbt_project/models/kpis)")
    from orchestration.commands.args import date

    parser.add_argument(
        "--as-of", metavar="DATE", type=date, help="judge targets as of this date (default: $KPI_AS_OF or yesterday)"
    )


def run_lint(targets_dir=None, kpis_dir=None, as_of=None, out=None) -> int:
    """Lint the declarations and print the report; 1 when there are errors, else 0.
    `kpi run` calls this before any work and stops on 1."""
    from pathlib import Path

    from orchestration.lib.lint import format_report, lint_project
    from orchestration.lib.settings import Home, as_of_from_env
    from orchestration.lib.targets import targets_dir as default_targets_dir

    folder = Path(targets_dir or default_targets_dir())
    if not folder.is_dir() or not any(folder.glob("*.y*ml")):
        print(f"kpi lint: no target declarations (*.yml) in {folder}", file=out or sys.stderr)
        return 1
    report = lint_project(
        folder,
        kpis_dir,
        warehouse=Home.from_env().warehouse,
        as_of=as_of or as_of_from_env(),
    )
    print(format_report(report), file=out or sys.stdout)
    return 1 if report.errors else 0


def run(args: argparse.Namespace) -> int:
    return run_lint(args.targets, args.kpis, args.as_of)
