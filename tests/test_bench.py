"""`kpi bench`'s own arithmetic and bookkeeping (the bench itself is never run in tests: speed is
measured there, not asserted): the median of repeated runs, the home each repeated night starts
from, and the wall time and peak memory `measure` reads of a real child process."""

from __future__ import annotations

import sys

from orchestration.commands.bench import measure, median_of, restore_home, save_home


def _run(seconds: float, rss_mb: float, ok: bool = True, log: str = "x.log") -> dict:
    return {"seconds": seconds, "rss_mb": rss_mb, "ok": ok, "log": log}


def test_repeated_runs_give_the_middle_time_the_range_and_the_largest_memory():
    three = median_of([_run(20.0, 935, log="1"), _run(16.1, 947, log="2"), _run(17.3, 920, log="3")])
    assert (three["seconds"], three["min_seconds"], three["max_seconds"]) == (17.3, 16.1, 20.0)
    assert three["rss_mb"] == 947 and three["ok"] and len(three["runs"]) == 3
    # an even count: the mean of the two middle runs
    four = median_of([_run(10.0, 1), _run(14.0, 1), _run(12.0, 1), _run(30.0, 1)])
    assert four["seconds"] == 13.0 and (four["min_seconds"], four["max_seconds"]) == (10.0, 30.0)
    assert median_of([_run(5.0, 7)])["seconds"] == 5.0
    # one failed run fails the figure, and its log is the one named
    failed = median_of([_run(3.0, 1, log="a"), _run(4.0, 1, ok=False, log="b"), _run(5.0, 1, log="c")])
    assert not failed["ok"] and failed["log"] == "b"


def test_each_repeated_night_starts_from_the_home_the_full_build_left_with_the_same_landing_zone(tmp_path):
    home, saved = tmp_path / "home", tmp_path / "saved"
    (home / "landing" / "orders").mkdir(parents=True)
    (home / "landing" / "orders" / "orders_2025-06-30.csv").write_text("history")
    (home / "dagster" / "history").mkdir(parents=True)
    (home / "dagster" / "history" / "runs.db").write_text("full build")
    (home / "warehouse.duckdb").write_bytes(b"built")
    save_home(home, saved)
    assert not (saved / "landing").exists()  # the landing zone is not copied aside
    # the night's files land, and a night changes the home
    (home / "landing" / "orders" / "orders_2025-07-01.csv").write_text("night")
    (home / "warehouse.duckdb").write_bytes(b"after a night")
    (home / "dagster" / "history" / "runs.db").unlink()
    (home / "dagster" / "history" / "night.db").write_text("night")
    (home / "serving.duckdb").write_bytes(b"published")
    restore_home(saved, home)
    assert (home / "warehouse.duckdb").read_bytes() == b"built"
    assert (home / "dagster" / "history" / "runs.db").read_text() == "full build"
    assert not (home / "dagster" / "history" / "night.db").exists()
    assert not (home / "serving.duckdb").exists()
    assert sorted(p.name for p in (home / "landing" / "orders").iterdir()) == [
        "orders_2025-06-30.csv",
        "orders_2025-07-01.csv",
    ]


def test_measure_reads_the_wall_time_and_peak_memory_of_a_process_and_its_children(tmp_path):
    # a child that starts a grandchild holding about 200 MB for a second: the peak counts both
    code = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; b = bytearray(200 << 20); "
        'b[::4096] = b"x" * len(b[::4096]); time.sleep(1.0)\']); p.wait(); time.sleep(0.2)'
    )
    m = measure([sys.executable, "-c", code], tmp_path / "ok.log")
    assert m["ok"] and m["seconds"] >= 1.0
    assert m["rss_mb"] >= 200, m
    bad = measure([sys.executable, "-c", "import sys; print('no'); sys.exit(3)"], tmp_path / "bad.log")
    assert not bad["ok"] and (tmp_path / "bad.log").read_text().strip() == "no"
