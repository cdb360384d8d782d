"""The `kpi` command at its edges: every bad invocation exits non-zero with a message that says
what is wrong and what to do, never a traceback, and creates nothing on the way."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

KPI = str(Path(sys.executable).parent / "kpi")
TOMORROW = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)).isoformat()


def kpi(*args: str, home: Path | None = None, stdin=None, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    for k in ("KPI_LANDING_DIR", "KPI_AS_OF", "KPI_SERVING_PATH"):
        env.pop(k, None)
    if home is not None:
        env["KPI_HOME"] = str(home)
    return subprocess.run([KPI, *args], env=env, capture_output=True, text=True, timeout=300, **kw)


def refused(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    for w in words:
        assert w in proc.stderr, (w, proc.stderr)


@pytest.mark.parametrize(
    "args, words",
    [
        (["lint", "--as-of", "bogus"], ["'bogus' is not a date", "YYYY-MM-DD"]),
        (["scorecard", "--as-of", "bogus"], ["'bogus' is not a date", "YYYY-MM-DD"]),
        (["run", "--as-of", "2025-13-01"], ["is not a date"]),
        (["run", "--as-of", TOMORROW], ["is after today", "yesterday"]),
        (["backfill", "--from", "2025-01-01", "--to", TOMORROW], ["is after today"]),
        (["bench", "--years", "x"], ["--years", "invalid"]),
        (["bench", "--scales", "ten"], ["not a list of numbers"]),
        (["bench", "--repeat", "0"], ["--repeat", "1 to 20"]),
        (["ui", "--port", "99999"], ["port 99999 is out of range", "1-65535"]),
        (["ui", "--port", "http"], ["not a port number"]),
        (["demo-data", "--scale", "-1"], ["--scale"]),
    ],
)
def test_bad_arguments_are_refused_with_what_to_write(tmp_path, args, words):
    home = tmp_path / "home"
    refused(kpi(*args, home=home), *words)
    assert not home.exists()  # nothing was created


def test_run_refuses_a_landing_that_is_a_file_or_missing_and_creates_nothing(tmp_path):
    home = tmp_path / "home"
    a_file = tmp_path / "exports.csv"
    a_file.write_text("order_id\n")
    refused(kpi("run", "--landing", str(a_file), home=home), "is a file, not a folder")
    refused(kpi("run", "--landing", str(tmp_path / "does" / "not" / "exist"), home=home), "does not exist")
    assert not home.exists()


def test_run_refuses_a_home_that_is_a_file(tmp_path):
    a_file = tmp_path / "home.txt"
    a_file.write_text("x")
    refused(kpi("run", "--home", str(a_file)), "is a file", "--home")
    refused(kpi("run", home=a_file), "KPI_HOME", "is a file")


def test_run_on_a_landing_without_any_table_folder_says_so_and_fails(tmp_path):
    landing = tmp_path / "landing"
    (landing / "not_a_table").mkdir(parents=True)
    (landing / "notes.txt").write_text("hello")
    home = tmp_path / "home"
    proc = kpi("run", "--landing", str(landing), "--as-of", "2025-02-25", home=home)
    refused(proc, "no table folder in", "orders/", "not_a_table")
    assert not home.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    refused(kpi("run", "--landing", str(empty), home=home), "no table folder", "it is empty")


def test_a_closed_pipe_is_not_an_error(tmp_path):
    # `kpi lint | head -1`: the reader stops early; the command ends quietly
    proc = subprocess.run(
        f"{KPI} lint | head -c 10",
        shell=True,
        capture_output=True,
        text=True,
        env={**os.environ, "KPI_HOME": str(tmp_path / "home")},
        timeout=300,
    )
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
    assert len(proc.stdout) == 10


def test_scientific_notation_is_a_number_in_targets():
    from orchestration.lib.amounts import parse_amount, parse_target_value

    assert parse_amount("4.5e6") == (4_500_000.0, False)
    assert parse_target_value("4.5E6") == ("absolute", 4_500_000.0)
    assert parse_target_value("+1.5e3 over last month") == ("delta", 1500.0)
    assert parse_amount("4.5e") is None


def test_a_failed_run_says_nothing_was_published_not_the_last_publish(tmp_path):
    # a warehouse that is not a DuckDB file fails the first step; the serving file of an earlier
    # publish is still there, and the run must not sum it up as tonight's
    landing = tmp_path / "landing"
    (landing / "orders").mkdir(parents=True)
    (landing / "orders" / "orders.csv").write_text(
        "order_id,customer_id,order_ts,status,currency,channel\nO1,C1,2025-02-01T10:00:00,completed,USD,web\n"
    )
    home = tmp_path / "home"
    home.mkdir()
    (home / "warehouse.duckdb").write_bytes(b"not a database " * 400)
    (home / "serving.duckdb").write_bytes(b"an earlier publish")
    proc = kpi("run", "--landing", str(landing), "--as-of", "2025-02-25", "--no-scorecard", home=home)
    assert proc.returncode == 1, proc.stdout
    assert "not a valid DuckDB database file" in proc.stdout + proc.stderr
    assert "the pipeline failed" in proc.stdout
    assert f"Nothing was published: {home / 'serving.duckdb'} still holds" in proc.stdout
    assert "Published" not in proc.stdout
