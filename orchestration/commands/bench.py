"""`kpi bench`: wall time and peak memory of a full build and of one night, at several scales,
against a hand-written lower bound over the same files. Nothing is asserted: speed is measured
here, never in tests.

For each scale it writes the demo landing zone twice (history up to day D, and the same with
one more day: a night's new and restated files), then measures, each as its own process (as
a nightly job would start it):

- the full build: `kpi run` on the history, as of D;
- one night on top of it: the new and restated files of D+1 landed, `kpi run` as of D+1;
- the lower bound: lib/bench_lower_bound.py, one DuckDB script that reads every file once and
  computes the heaviest KPIs by hand (no validation, no quarantine, no bookkeeping).

The night and the lower bound are measured `--repeat` times (default 3) and their median is
what the table shows and what its ratios use, with the range beside it: a small night moves by
a few seconds from one run to the next on a 2-core machine (one run said 20.0 s, the same run
again 16.1 s), so a single run says little about it. Each night after the first starts from
the home as the full build left it (copied aside before the first night, copied back), with
the same new files in the landing zone. The full build, minutes at scale 100, runs once.

Peak RSS is the largest total resident memory of the measured process and all its children
(the Great Expectations worker included), sampled every 0.1 s. At scale 1 the night is also
measured on 1 and 2 years of history, to show that a night costs its day, not the history.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HISTORY_END = dt.date(2025, 6, 30)  # day D: a fixed past date, so every run measures the same data


def _scales(text: str) -> list[float]:
    try:
        out = [float(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of numbers, e.g. 1,10,100") from None
    if not out or any(s <= 0 for s in out):
        raise argparse.ArgumentTypeError("scales must be positive numbers, e.g. 1,10,100")
    return out


def _years(text: str) -> list[int]:
    try:
        out = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of whole years, e.g. 1,2") from None
    if any(y < 1 or y > 10 for y in out):
        raise argparse.ArgumentTypeError("history lengths are 1 to 10 years")
    return out


def _repeat(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 20:
        raise argparse.ArgumentTypeError(f"{text!r}: write how many runs to take the median of, 1 to 20 (e.g. 3)")
    return int(text)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scales", type=_scales, default=[1.0, 10.0, 100.0], help="demo scales to measure (default 1,10,100)"
    )
    parser.add_argument(
        "--years", type=int, default=3, choices=range(1, 11), metavar="N", help="years of history (default 3)"
    )
    parser.add_argument(
        "--flat-years",
        type=_years,
        default=[1, 2],
        help="at scale 1, also measure the night on these shorter histories (default 1,2; '' for none)",
    )
    parser.add_argument(
        "--workdir", type=Path, help="keep the generated data and homes here (default: a temporary folder)"
    )
    parser.add_argument(
        "--repeat",
        type=_repeat,
        default=3,
        metavar="N",
        help="measure each night and lower bound N times and show the median and the range (default 3)",
    )


def _tree_rss_kb(root: int) -> int:
    """Resident memory (KB) of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry.name}/statm") as f:
                rss[int(entry.name)] = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def measure(cmd: list[str], log: Path, env: dict | None = None) -> dict:
    """Run a command; its wall seconds, peak tree RSS (MB) and exit code."""
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _tree_rss_kb(proc.pid))
            time.sleep(0.1)
    return {"seconds": time.monotonic() - started, "rss_mb": peak / 1024, "ok": proc.returncode == 0, "log": str(log)}


def median_of(samples: list[dict]) -> dict:
    """One figure from repeated measurements of the same command: the median wall time (the
    middle run, or the mean of the two middle ones), its range, the largest peak RSS of any run
    (the memory a machine must have), ok only if every run was, and every run's figures."""
    seconds = sorted(m["seconds"] for m in samples)
    mid = len(seconds) // 2
    median = seconds[mid] if len(seconds) % 2 else (seconds[mid - 1] + seconds[mid]) / 2
    failed = [m for m in samples if not m["ok"]]
    return {
        "seconds": median,
        "min_seconds": seconds[0],
        "max_seconds": seconds[-1],
        "rss_mb": max(m["rss_mb"] for m in samples),
        "ok": not failed,
        "log": (failed or samples)[0]["log"],
        "runs": samples,
    }


def _demo(root: Path, scale: float, start: dt.date, end: dt.date) -> dict:
    """The demo landing zone for [start, end] (generated once; reused by later benches)."""
    from orchestration.lib.demo import write_demo_landing

    done = root / "rows.json"
    if done.exists():
        return json.loads(done.read_text())
    shutil.rmtree(root, ignore_errors=True)
    print(f"bench: writing the demo data, scale {scale:g}, {start} .. {end}", flush=True)
    counts = write_demo_landing(root / "landing", start, end, scale=scale)
    done.write_text(json.dumps(counts))
    return counts


def _land_night(history: Path, night: Path, landing: Path) -> int:
    """Copy the files that are new or changed on the night into the landing zone; how many."""
    n = 0
    for src in sorted(night.rglob("*")):
        if not src.is_file():
            continue
        rel = src.relative_to(night)
        old = history / rel
        if old.exists() and old.read_bytes() == src.read_bytes():
            continue
        dst = landing / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        n += 1
    return n


def _copy_tree(src: Path, dst: Path, ignore=None) -> None:
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, copy_function=shutil.copyfile, ignore=ignore)


def save_home(home: Path, saved: Path, keep: str = "landing") -> None:
    """Copy `home` to `saved`, all but `keep` (the landing zone, which the nights share)."""
    _copy_tree(home, saved, ignore=lambda folder, _names: [keep] if Path(folder) == home else [])


def restore_home(saved: Path, home: Path, keep: str = "landing") -> None:
    """Make `home` what it was when `saved` was copied from it (everything but `keep`, which
    stays as it is: the landing zone with the night's files)."""
    for entry in home.iterdir():
        if entry.name != keep:
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    for entry in saved.iterdir():
        if entry.is_dir():
            shutil.copytree(entry, home / entry.name, copy_function=shutil.copyfile)
        else:
            shutil.copyfile(entry, home / entry.name)


def _bench_one(root: Path, scale: float, years: int, measure_lb: bool, repeat: int = 1) -> dict:
    kpi = [sys.executable, "-m", "orchestration.cli"]
    start = HISTORY_END.replace(year=HISTORY_END.year - years) + dt.timedelta(days=1)
    night = HISTORY_END + dt.timedelta(days=1)
    tag = f"s{scale:g}_y{years}"
    history = _demo(root / f"demo_{tag}_history", scale, start, HISTORY_END)
    _demo(root / f"demo_{tag}_night", scale, start, night)
    home = root / f"home_{tag}"
    shutil.rmtree(home, ignore_errors=True)
    landing = home / "landing"
    _copy_tree(root / f"demo_{tag}_history" / "landing", landing)
    env = {"KPI_ALERT_WEBHOOK_URL": "", "KPI_LANDING_DIR": "", "KPI_SERVING_PATH": "", "KPI_AS_OF": ""}
    run = [*kpi, "run", "--home", str(home), "--landing", str(landing), "--no-scorecard"]
    print(f"bench: scale {scale:g}, {years} year(s): full build as of {HISTORY_END}", flush=True)
    full = measure([*run, "--as-of", HISTORY_END.isoformat()], root / f"{tag}_full.log", env)
    files = _land_night(root / f"demo_{tag}_history" / "landing", root / f"demo_{tag}_night" / "landing", landing)
    built = root / f"home_{tag}_built"  # the home as the full build left it, for each night after the first
    if repeat > 1:
        save_home(home, built)
    nights = []
    for i in range(repeat):
        if i:
            restore_home(built, home)
        print(
            f"bench: scale {scale:g}, {years} year(s): night of {night} ({files} new or restated files), "
            f"run {i + 1} of {repeat}",
            flush=True,
        )
        nights.append(measure([*run, "--as-of", night.isoformat()], root / f"{tag}_night_{i + 1}.log", env))
    shutil.rmtree(built, ignore_errors=True)
    lb = None
    if measure_lb:
        lbs = []
        for i in range(repeat):
            print(f"bench: scale {scale:g}, {years} year(s): lower bound, run {i + 1} of {repeat}", flush=True)
            lbs.append(
                measure(
                    [
                        sys.executable,
                        "-m",
                        "orchestration.lib.bench_lower_bound",
                        str(root / f"demo_{tag}_history" / "landing"),
                        HISTORY_END.isoformat(),
                    ],
                    root / f"{tag}_lower_bound_{i + 1}.log",
                )
            )
        lb = median_of(lbs)
    nightly = median_of(nights)
    return {"scale": scale, "years": years, "rows": history, "full": full, "night": nightly, "lower_bound": lb}


def _range(m: dict | None) -> str:
    """`min-max` seconds of a repeated measurement ('-': measured once, or not at all)."""
    if not m or len(m.get("runs", [])) < 2:
        return f"{'-':>11}"
    return f"{m['min_seconds']:>5.1f}-{m['max_seconds']:<5.1f}"


def _row(r: dict) -> str:
    rows = r["rows"]
    full, night, lb = r["full"], r["night"], r["lower_bound"]
    failed = [m for m in (full, night, lb) if m and not m["ok"]]
    flag = f"  (a run failed: see {failed[0]['log']})" if failed else ""
    lb_s = f"{lb['seconds']:>8.1f}" if lb else f"{'-':>8}"
    ratio = f"{full['seconds'] / lb['seconds']:>7.1f}x" if lb else f"{'-':>8}"
    return (
        f"{r['scale']:>6g} {r['years']:>3}y {sum(rows.values()):>12,} {rows.get('order_lines', 0):>11,} "
        f"{rows.get('web_sessions', 0):>11,} {lb_s} {_range(lb)} {full['seconds']:>8.1f} {ratio} "
        f"{full['rss_mb']:>8.0f} {night['seconds']:>8.1f} {_range(night)} "
        f"{100 * night['seconds'] / full['seconds']:>6.0f}% {night['rss_mb']:>8.0f}{flag}"
    )


def run(args: argparse.Namespace) -> int:
    import tempfile

    if args.workdir:  # kept after the run: created when it does not exist yet
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        root = Path(args.workdir).resolve() if args.workdir else Path(tmp)
        results = []
        for scale in args.scales:
            results.append(_bench_one(root, scale, args.years, measure_lb=True, repeat=args.repeat))
            if scale == 1:
                for y in args.flat_years:
                    if y != args.years:
                        results.append(_bench_one(root, scale, y, measure_lb=False, repeat=args.repeat))
        (root / "bench.json").write_text(json.dumps(results, indent=1))
    print()
    print(
        f"{'scale':>6} {'hist':>4} {'rows':>12} {'order lines':>11} {'sessions':>11} {'lower s':>8} "
        f"{'(range)':>11} {'full s':>8} {'full/LB':>8} {'full MB':>8} {'night s':>8} {'(range)':>11} "
        f"{'n/full':>7} {'night MB':>8}"
    )
    for r in results:
        print(_row(r))
    print(
        f"\nlower s, night s: the median of {args.repeat} run(s), (range) their fastest and slowest; full s: "
        "one run. full/LB: full build ÷ the hand-written lower bound; n/full: night ÷ full build; MB: "
        "peak resident memory of the run and its children (GX worker included), the largest of its runs."
    )
    measured = [m for r in results for m in (r["full"], r["night"], r["lower_bound"]) if m]
    return 0 if all(m["ok"] for m in measured) else 1
