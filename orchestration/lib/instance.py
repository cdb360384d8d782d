"""The Dagster instance of a home: runs, event logs and schedules live under <home>/dagster."""

from __future__ import annotations

import os

from orchestration.lib.settings import Home

# One run at a time on the warehouse: the queued run coordinator admits a single run, and
# every run of this code location carries the `kpi/warehouse` tag (see definitions.py).
DAGSTER_YAML = """\
run_queue:
  max_concurrent_runs: 1
telemetry:
  enabled: false
nux:
  enabled: false
"""


def prepare_dagster_home(home: Home) -> str:
    home.ensure()
    path = home.dagster_home / "dagster.yaml"
    if not path.exists():
        path.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home.dagster_home)
    return str(home.dagster_home)
