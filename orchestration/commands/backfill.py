"""`kpi backfill --from DATE --to DATE [--step day|month]`: re-run the pipeline for a range
of as-of dates, one in-process run each, oldest first, with progress.

Each run is the nightly run as it would have computed on that day: the as-of date is set
for the run (env KPI_AS_OF and the run tag `kpi/as_of`), so staging drops later rows and
the scorecard judges that day. The last run leaves serving.duckdb at the `--to` date.
Scorecard-transition and input-check alerts are muted during a backfill (tag
`kpi/alerts=off`: statuses are still recorded); a failed run still alerts and stops the
backfill unless --keep-going.

From the Dagster UI the same is one launch per date: Jobs → kpi_pipeline → Launchpad →
"Edit tags" → add `kpi/as_of` = YYYY-MM-DD → Launch run. The run queue runs them one after
the other. (Starting `kpi ui --as-of DATE` changes the default of every run instead.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

EPILOG = (
    "From the Dagster UI: open Jobs → kpi_pipeline → Launchpad, add the tag kpi/as_of=YYYY-MM-DD "
    "(Edit tags) and launch; queued runs execute one at a time."
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    from orchestration.commands.args import existing_folder, past_date

    parser.add_argument("--from", dest="date_from", type=past_date, required=True, help="first as-of date YYYY-MM-DD")
    parser.add_argument(
        "--to", dest="date_to", type=past_date, required=True, help="last as-of date YYYY-MM-DD (included)"
    )
    parser.add_argument(
        "--step",
        choices=("day", "month"),
        default="day",
        help="day: every day; month: the last day of each month in the range, and --to (default day)",
    )
    parser.add_argument(
        "--landing", type=existing_folder, help="landing zone folder (default: $KPI_LANDING_DIR or <home>/landing)"
    )
    parser.add_argument("--keep-going", action="store_true", help="continue with the next date when a run fails")


def as_of_dates(first: dt.date, last: dt.date, step: str) -> list[dt.date]:
    """The as-of dates of a backfill, oldest first. month: each month's last day within the
    range, plus `last` itself when it is not a month end (the range's own end is always run)."""
    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    if step == "day":
        return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    out: list[dt.date] = []
    month = first.replace(day=1)
    while month <= last:
        following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        end = following - dt.timedelta(days=1)
        if first <= end <= last:
            out.append(end)
        month = following
    if not out or out[-1] != last:
        out.append(last)
    return out


def run(args: argparse.Namespace) -> int:
    first, last = args.date_from, args.date_to
    try:
        dates = as_of_dates(first, last, args.step)
    except ValueError as exc:
        print(f"kpi backfill: {exc}", file=sys.stderr)
        return 2
    from orchestration.lib.settings import AS_OF_TAG, Home

    home = Home.from_env().ensure()
    if args.landing:
        home = Home(home.root, landing_dir=Path(args.landing).resolve())
    if not home.landing.exists():
        print(
            f"kpi backfill: the landing folder {home.landing} does not exist (run `kpi run` once, or --landing)",
            file=sys.stderr,
        )
        return 2
    print(
        f"kpi backfill: {len(dates)} run(s), as of {dates[0]} .. {dates[-1]} (step {args.step}), home {home.root}",
        flush=True,
    )

    from orchestration.defs.monitoring import ALERTS_TAG, LAUNCHED_BY_TAG
    from orchestration.pipeline import run_pipeline

    started = time.monotonic()
    failed: list[dt.date] = []
    for i, as_of in enumerate(dates, 1):
        t0 = time.monotonic()
        print(f"[{i}/{len(dates)}] as of {as_of} ...", flush=True)
        ok = run_pipeline(
            home,
            landing=home.landing,
            as_of=as_of,
            tags={
                AS_OF_TAG: as_of.isoformat(),
                ALERTS_TAG: "off",
                LAUNCHED_BY_TAG: "kpi backfill",
                "kpi/backfill": f"{dates[0]}..{dates[-1]}",
            },
        )
        elapsed = time.monotonic() - started
        eta = elapsed / i * (len(dates) - i)
        print(
            f"[{i}/{len(dates)}] as of {as_of}: {'ok' if ok else 'FAILED'} in {time.monotonic() - t0:.1f} s"
            f" (elapsed {elapsed:.0f} s, about {eta:.0f} s left)",
            flush=True,
        )
        if not ok:
            failed.append(as_of)
            if not args.keep_going:
                print(
                    f"kpi backfill: stopped at {as_of}; fix the failure and re-run from there "
                    f"(kpi backfill --from {as_of} --to {last})",
                    file=sys.stderr,
                )
                return 1
    if failed:
        print(f"kpi backfill: {len(failed)} run(s) failed: {', '.join(map(str, failed))}", file=sys.stderr)
        return 1
    print(f"kpi backfill: done, {len(dates)} run(s) in {time.monotonic() - started:.0f} s", flush=True)
    return 0
