"""`kpi ui`: the Dagster UI (webserver + daemon for the schedule and sensors) on 127.0.0.1."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    from orchestration.commands.args import existing_folder, past_date, port

    parser.add_argument(
        "--port",
        type=port,
        default=int(os.environ.get("KPI_UI_PORT", "3000")),
        help="port on 127.0.0.1 (default 3000 or $KPI_UI_PORT)",
    )
    parser.add_argument(
        "--landing", type=existing_folder, help="landing zone folder (default: $KPI_LANDING_DIR or <home>/landing)"
    )
    parser.add_argument(
        "--as-of", dest="as_of", type=past_date, help="as-of date for runs started from the UI (default: yesterday)"
    )


def run(args: argparse.Namespace) -> int:
    from orchestration.commands.run import apply_run_env
    from orchestration.lib.instance import prepare_dagster_home
    from orchestration.lib.settings import PROJECT_ROOT, Home

    apply_run_env(args)
    home = Home.from_env()
    os.environ["KPI_HOME"] = str(home.root)
    prepare_dagster_home(home)
    dagster = Path(sys.executable).parent / "dagster"
    argv = [str(dagster), "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(args.port)]
    print(f"kpi ui: http://127.0.0.1:{args.port}  (home {home.root}; Ctrl-C stops it)", flush=True)
    os.chdir(PROJECT_ROOT)
    # Started in the background (`kpi ui &`), a shell hands SIGINT over as "ignored", and an
    # ignored signal stays ignored across exec: restore the defaults so that both Ctrl-C and
    # SIGTERM stop the UI.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Replace this process so the signals reach dagster dev directly and stop it cleanly.
    os.execve(str(dagster), argv, os.environ.copy())
    return 0  # not reached
