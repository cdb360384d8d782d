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


def _copy_tree(src: Path, dst: Path) -> None:
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, copy_function=shutil.copyfile)


def _bench_one(root: Path, scale: float, years: int, measure_lb: bool) -> dict:
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
    print(f"bench: scale {scale:g}, {years} year(s): night of {night} ({files} new or restated files)", flush=True)
    nightly = measure([*run, "--as-of", night.isoformat()], root / f"{tag}_night.log", env)
    lb = None
    if measure_lb:
        print(f"bench: scale {scale:g}, {years} year(s): lower bound", flush=True)
        lb = measure(
            [
                sys.executable,
                "-m",
                "orchestration.lib.bench_lower_bound",
                str(root / f"demo_{tag}_history" / "landing"),
                HISTORY_END.isoformat(),
            ],
            root / f"{tag}_lower_bound.log",
        )
    return {"scale": scale, "years": years, "rows": history, "full": full, "night": nightly, "lower_bound": lb}


def _row(r: dict) -> str:
    rows = r["rows"]
    full, night, lb = r["full"], r["night"], r["lower_bound"]
    flag = (
        "" if full["ok"] and night["ok"] else "  (a run failed: see " + (full if not full["ok"] else night)["log"] + ")"
    )
    lb_s = f"{lb['seconds']:>8.1f}" if lb else f"{'-':>8}"
    ratio = f"{full['seconds'] / lb['seconds']:>7.1f}x" if lb else f"{'-':>8}"
    return (
        f"{r['scale']:>6g} {r['years']:>3}y {sum(rows.values()):>12,} {rows.get('order_lines', 0):>11,} "
        f"{rows.get('web_sessions', 0):>11,} {lb_s} {full['seconds']:>8.1f} {ratio} {full['rss_mb']:>8.0f} "
        f"{night['seconds']:>8.1f} {100 * night['seconds'] / full['seconds']:>6.0f}% {night['rss_mb']:>8.0f}{flag}"
    )


def run(args: argparse.Namespace) -> int:
    import tempfile

    if args.workdir:  # kept after the run: created when it does not exist yet
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        root = Path(args.workdir).resolve() if args.workdir else Path(tmp)
        results = []
        for scale in args.scales:
            results.append(_bench_one(root, scale, args.years, measure_lb=True))
            if scale == 1:
                for y in args.flat_years:
                    if y != args.years:
                        results.append(_bench_one(root, scale, y, measure_lb=False))
        (root / "bench.json").write_text(json.dumps(results, indent=1))
    print()
    print(
        f"{'scale':>6} {'hist':>4} {'rows':>12} {'order lines':>11} {'sessions':>11} {'lower s':>8} "
        f"{'full s':>8} {'full/LB':>8} {'full MB':>8} {'night s':>8} {'n/full':>7} {'night MB':>8}"
    )
    for r in results:
        print(_row(r))
    print(
        "\nfull/LB: full build ÷ the hand-written lower bound; n/full: night ÷ full build; MB: peak "
        "resident memory of the run and its children (GX worker included)."
    )
    return 0 if all(r["full"]["ok"] and r["night"]["ok"] for r in results) else 1
