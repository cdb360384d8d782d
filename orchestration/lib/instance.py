"""The Dagster instance of a home: runs, event logs and schedules live under <home>/dagster."""

from __future__ import annotations

import os

from orchestration.lib.settings import Home

#: every run of `kpi_pipeline` carries this tag (definitions.py); the run queue admits one at a time
WAREHOUSE_TAG = "kpi/warehouse"

# One run at a time on the warehouse (DuckDB has a single writer): the queued run coordinator
# (the default of `dagster dev`) launches at most one run in total, and at most one run tagged
# `kpi/warehouse` even if the total limit is raised later. Other runs wait in the queue.
DAGSTER_YAML = f"""\
concurrency:
  runs:
    max_concurrent_runs: 1
    tag_concurrency_limits:
      - key: "{WAREHOUSE_TAG}"
        limit: 1
telemetry:
  enabled: false
nux:
  enabled: false
"""


def prepare_dagster_home(home: Home) -> str:
    home.ensure()
    path = home.dagster_home / "dagster.yaml"
    # Written by us: keep it in step with this file (an older home gets the current settings).
    if not path.exists() or path.read_text() != DAGSTER_YAML:
        path.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home.dagster_home)
    return str(home.dagster_home)
