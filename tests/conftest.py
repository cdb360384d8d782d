"""Builds shared by the tests that read the same warehouse, built once per test session.

- `demo_build`: one real pipeline run (Dagster, GX, dbt, targets, publish, report) over three
  years of the demo company at scale 0.3, as of 2026-11-20. Read it, never write to it:
  tests that change a home copy it first (`copy_home`).

Markers (pyproject.toml): `slow` marks the tests `make test-fast` leaves out; `longest` marks the
few that take minutes, collected first so that pytest-xdist's two workers end close together.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

#: late enough that the demo's target declarations (2026 months, plans on base year 2025) apply
DEMO_AS_OF = dt.date(2026, 11, 20)


@dataclass(frozen=True)
class Build:
    root: Path
    landing: Path
    home: Path
    as_of: dt.date

    @property
    def serving(self) -> Path:
        return self.home / "serving.duckdb"


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory, worker_id) -> Build:
    """Built once per test session: under pytest-xdist the first worker that needs it builds it
    in the session's shared temp folder while the other waits on a file lock, then both read it."""
    from filelock import FileLock

    if worker_id == "master":  # not under xdist
        return _build_demo(tmp_path_factory.mktemp("demo_build"))
    root = tmp_path_factory.getbasetemp().parent / "demo_build"
    with FileLock(str(root) + ".lock"):
        done = root / ".built"
        if not done.exists():
            if root.exists():  # an earlier attempt failed half-way
                shutil.rmtree(root)
            root.mkdir()
            _build_demo(root)
            done.touch()
    return _demo(root)


def _demo(root: Path) -> Build:
    return Build(root=root, landing=root / "landing", home=root / "home", as_of=DEMO_AS_OF)


def _build_demo(root: Path) -> Build:
    from orchestration.lib.demo import write_demo_landing
    from orchestration.lib.settings import Home
    from orchestration.pipeline import run_pipeline

    build = _demo(root)
    write_demo_landing(build.landing, DEMO_AS_OF - dt.timedelta(days=3 * 365 - 1), DEMO_AS_OF, scale=0.3, seed=5)
    mp = pytest.MonkeyPatch()
    mp.setenv("KPI_HOME", str(build.home))
    mp.setenv("KPI_LANDING_DIR", str(build.landing))
    mp.setenv("KPI_AS_OF", DEMO_AS_OF.isoformat())
    mp.delenv("KPI_SERVING_PATH", raising=False)
    mp.delenv("KPI_ALERT_WEBHOOK_URL", raising=False)
    try:
        assert run_pipeline(Home(build.home), tags={"kpi/alerts": "off"})
    finally:
        mp.undo()
    return build


def pytest_collection_modifyitems(config, items):
    """The `longest` tests first, one per worker: a worker that starts one of them last would end
    minutes after the other. pytest-xdist's worksteal scheduler gives each of the N workers a
    contiguous N-th of the collection (the first len // N items to the first) and lets an idle
    worker steal from the end of another's share, so each share starts with its own longest test."""
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    longest = [item for item in items if item.get_closest_marker("longest")]
    rest = [item for item in items if not item.get_closest_marker("longest")]
    ordered: list = []
    left = len(items)
    for w in range(workers):
        size = left // (workers - w)  # what the scheduler sends the w-th worker
        left -= size
        mine = longest[w::workers]
        take = max(0, size - len(mine))
        ordered += mine + rest[:take]
        rest = rest[take:]
    items[:] = ordered + rest


def copy_home(build: Build, to: Path) -> Path:
    """A private copy of a build's home (to run again on it without touching the shared one)."""
    shutil.copytree(build.home, to, ignore=shutil.ignore_patterns("*.tmp", "tmp"))
    return to


def dbt_invoke(args: list[str], project: Path, tmp_path: Path):
    """dbt's `args` run in this process on the dbt project `project`, with its target and logs
    under `tmp_path` (the checkout's are left alone); asserts it succeeded, returns the result."""
    from dbt.cli.main import dbtRunner

    res = dbtRunner().invoke(
        [*args, "--quiet", "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    )  # fmt: skip
    assert res.success, res.exception
    return res
