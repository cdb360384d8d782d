"""Where everything lives. All state sits under one home folder (KPI_HOME, default ./data).

Two homes never share anything: the warehouse, the ingestion ledger, the Dagster
instance, the serving database and the Parquet exports are all inside it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
TARGETS_DIR = DBT_PROJECT_DIR / "kpi_targets"  # not "targets": dbt's build folder is target/
SPEC_DIR = PROJECT_ROOT.parent / "shared" / "spec"


def default_as_of() -> dt.date:
    """Yesterday, UTC: the default point-in-time view of a run."""
    return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)


@dataclass(frozen=True)
class Home:
    root: Path
    #: the landing zone when it is not <root>/landing (a Dagster run's resource config sets it)
    landing_dir: Path | None = None

    @classmethod
    def from_env(cls) -> Home:
        return cls(Path(os.environ.get("KPI_HOME", "data")).resolve())

    @property
    def landing(self) -> Path:
        if self.landing_dir is not None:
            return self.landing_dir
        env = os.environ.get("KPI_LANDING_DIR")
        return Path(env).resolve() if env else self.root / "landing"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def landed(self) -> Path:
        """Every row as it landed, every version, and the file ledger (lib/ingest.py)."""
        return self.root / "landed.duckdb"

    @property
    def serving(self) -> Path:
        env = os.environ.get("KPI_SERVING_PATH")
        return Path(env).resolve() if env else self.root / "serving.duckdb"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def dbt_target(self) -> Path:
        """dbt's artifacts for this home (run results, partial parse): never in the repository."""
        return self.root / "dbt_target"

    @property
    def dbt_built(self) -> Path:
        """The fingerprint of the dbt project at this home's last complete, successful build: a
        night with the same project keeps the views that build created (defs/dbt.py)."""
        return self.dbt_target / "kpi_last_complete_build.json"

    @property
    def reports(self) -> Path:
        """The HTML scorecard reports, one per as-of date (lib/report.py)."""
        return self.root / "reports"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster"

    @property
    def gx_dir(self) -> Path:
        """GX validation results and Data Docs (kept out of git)."""
        return self.root / "gx"

    def ensure(self) -> Home:
        for p in (self.root, self.exports, self.dagster_home, self.gx_dir):
            p.mkdir(parents=True, exist_ok=True)
        return self


AS_OF_TAG = "kpi/as_of"


def as_of_from_env(run_tags: Mapping[str, str] | None = None) -> dt.date:
    """The run's as-of date: the run's `kpi/as_of` tag (`run_tags`: a Dagster run's tags, so a
    run launched from the UI or by a schedule picks its own), else $KPI_AS_OF, else yesterday
    (UTC). Raises ValueError (with what to write) for a value that is no date or is after today."""
    return parse_as_of((run_tags or {}).get(AS_OF_TAG) or os.environ.get("KPI_AS_OF"))


def parse_as_of(raw: str | None) -> dt.date:
    """An as-of date from its text (empty: yesterday, UTC); ValueError for no date or a future one."""
    if not raw:
        return default_as_of()
    try:
        as_of = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"as-of date {raw!r} is not a date; write it as YYYY-MM-DD") from None
    today = dt.datetime.now(dt.UTC).date()
    if as_of > today:
        raise ValueError(
            f"as-of date {as_of} is after today ({today}, UTC): a period that has not begun cannot be "
            "measured (the default is yesterday)"
        )
    return as_of


def quarantine_threshold() -> float:
    """Share of quarantined rows in a period above which a KPI value is unmeasurable."""
    return float(os.environ.get("KPI_QUARANTINE_THRESHOLD", "0.005"))
