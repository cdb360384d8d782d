"""What a run reads and writes, as a Dagster resource: the home, the landing zone, the as-of date.

Every asset takes it (`kpi: KpiRunSettings`), so a run's inputs are in its run config (the
Launchpad shows and edits them; `kpi run` passes its flags there), never in environment variables
an asset reads later. The as-of date is also the run's daily partition key (AS_OF_PARTITIONS). The defaults come from the environment of the process that loads the code
location (KPI_HOME, KPI_LANDING_DIR, KPI_AS_OF), so `dagster dev` in a shell that set them runs
on them.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dagster as dg
from pydantic import Field

from orchestration.lib.settings import AS_OF_TAG, Home, parse_as_of

RESOURCE_KEY = "kpi"
#: Dagster's run tag of a partitioned run's partition key
PARTITION_TAG = "dagster/partition"

#: The as-of date as Dagster users expect a nightly job's date: a daily partition key (UTC). Every
#: asset has it, so a run is "the pipeline as of day D" and a backfill is the UI's partition
#: backfill. A partition holds no slice of its own: each run rebuilds the warehouse as of its day,
#: so the latest publish is the last run's, whichever day it was for (run them in date order, as
#: `kpi backfill` does, to end on the newest). Today's partition is there too (end_offset=1).
AS_OF_PARTITIONS = dg.DailyPartitionsDefinition(start_date="2020-01-01", end_offset=1, timezone="UTC")
#: a backfill runs one day per run: each run is the whole pipeline as of its day
ONE_DAY_PER_RUN = dg.BackfillPolicy.multi_run(max_partitions_per_run=1)


class KpiRunSettings(dg.ConfigurableResource):
    """The home folder, the landing zone and the as-of date of a run."""

    home: str = Field(description="home folder: warehouse, ledger, serving database, exports (KPI_HOME; ./data)")
    landing: str = Field(default="", description="landing zone folder; empty: <home>/landing (KPI_LANDING_DIR)")
    as_of: str = Field(
        default="",
        description="as-of date YYYY-MM-DD; empty: the run tag kpi/as_of (schedules set it), else yesterday (UTC)",
    )

    def get_home(self) -> Home:
        root = Path(self.home).resolve()
        return Home(root, landing_dir=Path(self.landing).resolve() if self.landing else root / "landing")

    def as_of_date(self, context: dg.OpExecutionContext | dg.AssetCheckExecutionContext) -> dt.date:
        """The run's partition key (its day), else its tag `kpi/as_of`, else the configured date."""
        tags = context.run.tags
        return parse_as_of(tags.get(PARTITION_TAG) or tags.get(AS_OF_TAG) or self.as_of)

    @classmethod
    def from_environment(cls) -> KpiRunSettings:
        return cls(
            home=os.environ.get("KPI_HOME", "data"),
            landing=os.environ.get("KPI_LANDING_DIR", ""),
            as_of=os.environ.get("KPI_AS_OF", ""),
        )

    def as_run_config(self) -> dict:
        return {
            "resources": {RESOURCE_KEY: {"config": {"home": self.home, "landing": self.landing, "as_of": self.as_of}}}
        }
