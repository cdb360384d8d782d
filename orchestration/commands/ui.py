"""`kpi ui`: the Dagster UI (webserver + daemon for the schedule and sensors) on 127.0.0.1,
supervised by this process: it stops both on Ctrl-C, SIGTERM or SIGHUP, and both if either ends."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
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
    _create_instance_storage()
    bin_dir = Path(sys.executable).parent
    target = ["-m", "orchestration.definitions"]
    # The two services `dagster dev` would start (it is superseded and warns on every start):
    # the webserver (UI) and the daemon (schedule, sensors, run queue), each with its code server.
    commands = {
        "webserver": [str(bin_dir / "dagster-webserver"), *target, "-h", "127.0.0.1", "-p", str(args.port)],
        "daemon": [str(bin_dir / "dagster-daemon"), "run", *target],
    }
    print(f"kpi ui: http://127.0.0.1:{args.port}  (home {home.root}; Ctrl-C stops it)", flush=True)
    return _supervise(commands, cwd=PROJECT_ROOT)


def _create_instance_storage() -> None:
    # Create (or migrate) the instance's SQLite storage once, here: the webserver and the
    # daemon would otherwise race to create the same tables on a fresh home.
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        instance.get_runs(limit=1)


def _supervise(commands: dict[str, list[str]], cwd: Path) -> int:
    """Run the services until one ends or SIGINT/SIGTERM/SIGHUP arrives, then stop them all.

    Started in the background (`kpi ui &`), a shell hands SIGINT over as "ignored"; installing
    our own handlers for every stop signal makes Ctrl-C, `kill` and a closed terminal all work.
    """
    stopping: list[int] = []

    def _stop(signum, _frame):
        stopping.append(signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _stop)
    # each service leads a session of its own, so that stopping it reaches the code server it
    # started too (a code server left behind would hold its socket until its heartbeat ends)
    procs = {name: subprocess.Popen(argv, cwd=cwd, start_new_session=True) for name, argv in commands.items()}
    code = 0
    try:
        while not stopping:
            ended = {name: p.returncode for name, p in procs.items() if p.poll() is not None}
            if ended:
                name, code = next(iter(ended.items()))
                print(f"kpi ui: the {name} stopped (exit code {code}); stopping the rest", file=sys.stderr, flush=True)
                code = code or 1
                break
            time.sleep(0.5)
    finally:
        _terminate(list(procs.values()))
    if stopping:
        print(f"kpi ui: stopped ({signal.Signals(stopping[0]).name})", flush=True)
    return code


def _terminate(procs: list[subprocess.Popen], grace_seconds: float = 30.0) -> None:
    """SIGTERM each service's process group, wait for all of it to end, SIGKILL what is left."""
    groups = [p.pid for p in procs]
    for pgid in groups:
        _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    for p in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
    while time.monotonic() < deadline and any(_signal_group(g, 0) for g in groups):
        time.sleep(0.2)
    for pgid in groups:
        _signal_group(pgid, signal.SIGKILL)
    for p in procs:
        p.wait()


def _signal_group(pgid: int, sig: int) -> bool:
    """Send `sig` to a process group; False once no process of it is left."""
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False
