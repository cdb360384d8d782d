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

# The event log where Dagster's default puts it (<home>/dagster/history/runs), written through
# orchestration/event_log.py: the same SQLite files, about 15x cheaper per event.
EVENT_LOG_YAML = """\
event_log_storage:
  module: orchestration.event_log
  class: FastSqliteEventLogStorage
  config:
    base_dir: "{base_dir}"
"""


def prepare_dagster_home(home: Home) -> str:
    home.ensure()
    path = home.dagster_home / "dagster.yaml"
    base_dir = os.path.join(str(home.dagster_home.resolve()), "history", "runs", "")
    text = DAGSTER_YAML + EVENT_LOG_YAML.format(base_dir=base_dir.replace("\\", "/"))
    # Written by us: keep it in step with this file (an older home gets the current settings;
    # a moved home gets its new path on its next run).
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    os.environ["DAGSTER_HOME"] = str(home.dagster_home)
    return str(home.dagster_home)
