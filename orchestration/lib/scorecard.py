"""The scorecard: each targeted KPI and period against its actual, with a status and
a reason in words; and the allocation check (planned drivers vs the actual bridge)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from orchestration.lib.cascade import index_actuals
from orchestration.lib.periods import label, period_end, period_start, shift
from orchestration.lib.targets import DEFAULT_TOLERANCE, PERSPECTIVES, KpiDeclaration, KpiProfile

SCORECARD_COLUMNS = [
    "kpi_id",
    "grain",
    "period_start",
    "actual",
    "target",
    "attainment",
    "projected",
    "status",
    "reason",
]
STATUSES = ("achieved", "missed", "on_track", "at_risk", "off_track", "unmeasurable")
ALLOCATION_COLUMNS = [
    "kpi_id",
    "grain",
    "period_start",
    "comparison",
    "driver",
    "allocated",
    "actual",
    "difference",
]
#: the grain shown when a KPI has no target at the grain asked for, in order of preference
GRAIN_PREFERENCE = ("month", "quarter", "year", "week", "day")
# Which published bridge explains the change of which KPI.
BRIDGE_OF_KPI = {"revenue": "revenue_bridge", "mrr": "mrr_bridge"}


def fmt(x: float | None) -> str:
    """A number for a sentence: 1,234,567 / 12.35 / 0.0312."""
    if x is None or pd.isna(x):
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:,.2f}"
    return f"{x:.3g}"


def pct(x: float) -> str:
    return f"{x:.0%}"


def attainment_of(actual: float, target: float, direction: str) -> float | None:
    """actual ÷ target for up, target ÷ actual for down; None when the divisor is 0."""
    if direction == "down":
        return None if actual == 0 else target / actual
    return None if target == 0 else actual / target


def _meets(value: float, target: float, direction: str, slack: float = 0.0) -> bool:
    """Does `value` reach `target` (allowing `slack` as a share of the target)?

    With both numbers positive this is exactly attainment ≥ 1 − slack. When the divisor is
    0 or a sign is negative the ratio no longer reads as "share of target", so the
    numbers are compared directly (targets.md: NULL divisor → compare directly)."""
    ratio = attainment_of(value, target, direction)
    if ratio is not None and value > 0 and target > 0:
        return ratio >= 1 - slack
    if direction == "down":
        return value <= target + slack * abs(target)
    return value >= target - slack * abs(target)


@dataclass(frozen=True)
class Verdict:
    attainment: float | None
    projected: float | None
    status: str
    reason: str


def evaluate(
    actual: float | None,
    target: float,
    *,
    direction: str | None,
    is_flow: bool,
    is_complete: bool,
    days_in_period: int,
    days_elapsed: int,
    tolerance: float = DEFAULT_TOLERANCE,
    is_measurable: bool = True,
    quality_issues: str | None = None,
) -> Verdict:
    """One scorecard cell: attainment, projection, status and why."""
    if actual is None or pd.isna(actual) or not is_measurable:
        why = quality_issues or ("no value was measured" if actual is None or pd.isna(actual) else "")
        return Verdict(None, None, "unmeasurable", f"not measurable: {why or 'see quality issues'}")
    if direction not in ("up", "down"):
        return Verdict(None, None, "unmeasurable", "the KPI has no direction, so better and worse cannot be told apart")
    better = "at or above" if direction == "up" else "at or below"
    attainment = attainment_of(actual, target, direction)
    shown = f" ({pct(attainment)})" if attainment is not None else ""
    if is_complete:
        if _meets(actual, target, direction):
            return Verdict(
                attainment, None, "achieved", f"actual {fmt(actual)} is {better} the target {fmt(target)}{shown}"
            )
        gap = abs(actual - target)
        side = "below" if direction == "up" else "above"
        return Verdict(
            attainment, None, "missed", f"actual {fmt(actual)} is {fmt(gap)} {side} the target {fmt(target)}{shown}"
        )
    if is_flow:
        projected = actual * days_in_period / max(days_elapsed, 1)
        basis = f"projected {fmt(projected)} ({fmt(actual)} in {days_elapsed} of {days_in_period} days)"
    else:
        projected = actual
        basis = f"current value {fmt(projected)}"
    p_att = attainment_of(projected, target, direction)
    p_shown = f" ({pct(p_att)})" if p_att is not None else ""
    if _meets(projected, target, direction):
        return Verdict(attainment, projected, "on_track", f"{basis} is {better} the target {fmt(target)}{p_shown}")
    if _meets(projected, target, direction, slack=tolerance):
        return Verdict(
            attainment,
            projected,
            "at_risk",
            f"{basis} misses the target {fmt(target)}{p_shown}, but within the {pct(tolerance)} tolerance",
        )
    return Verdict(
        attainment,
        projected,
        "off_track",
        f"{basis} misses the target {fmt(target)}{p_shown} by more than the {pct(tolerance)} tolerance",
    )


def build_scorecard(
    targets: pd.DataFrame,
    kpi_values: pd.DataFrame,
    profiles: dict[str, KpiProfile],
    as_of: dt.date,
) -> pd.DataFrame:
    """One row per targeted KPI and period starting on or before the as-of date."""
    values = {}
    if kpi_values is not None and not kpi_values.empty:
        for row in kpi_values.to_dict("records"):
            values[(row["kpi_id"], row["grain"], pd.Timestamp(row["period_start"]).date())] = row
    rows = []
    for t in targets.to_dict("records"):
        start = pd.Timestamp(t["period_start"]).date()
        if start > as_of:
            continue
        kpi, grain, target = t["kpi_id"], t["grain"], float(t["target_value"])
        profile = profiles.get(kpi) or KpiProfile(kpi, None, False)
        v = values.get((kpi, grain, start))
        end = (
            pd.Timestamp(v["period_end"]).date() if v and v.get("period_end") is not None else period_end(grain, start)
        )
        is_complete = bool(v["is_complete"]) if v and v.get("is_complete") is not None else end <= as_of
        actual = None if v is None or pd.isna(v.get("value")) else float(v["value"])
        measurable = True if v is None or v.get("is_measurable") is None else bool(v["is_measurable"])
        issues = None if v is None or pd.isna(v.get("quality_issues")) else v.get("quality_issues")
        if v is None:
            issues = "no value is published for this period (before the KPI's first data?)"
        verdict = evaluate(
            actual,
            target,
            direction=profile.direction,
            is_flow=profile.is_flow,
            is_complete=is_complete,
            days_in_period=(end - start).days + 1,
            days_elapsed=(min(as_of, end) - start).days + 1,
            tolerance=profile.tolerance,
            is_measurable=measurable,
            quality_issues=issues,
        )
        rows.append(
            (kpi, grain, start, actual, target, verdict.attainment, verdict.projected, verdict.status, verdict.reason)
        )
    frame = pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
    for col in ("actual", "target", "attainment", "projected"):
        frame[col] = frame[col].astype(float)
    return frame


def _comparison_start(grain: str, start: dt.date, comparison: str) -> dt.date:
    if comparison == "year_ago":
        return shift(grain, start, {"month": -12, "quarter": -4, "year": -1}.get(grain, -1))
    return shift(grain, start, -1)


def allocation_check(
    declarations: list[KpiDeclaration],
    bridges: dict[str, pd.DataFrame],
    kpi_values: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Planned split of a change among drivers vs what happened.

    `bridges` maps a bridge name ('revenue_bridge', 'mrr_bridge') to its rows (grain,
    period_start, [comparison,] component, amount). For revenue and mrr every bridge
    component is listed (one the plan left out was allocated 0), plus a `total` row. A
    part named after another KPI is compared with that KPI's change over the same periods."""
    actuals = index_actuals(kpi_values) if kpi_values is not None else {}
    rows = []
    for decl in declarations:
        for alloc in decl.allocations:
            if alloc.grain is None or alloc.problems:
                continue
            start, grain, comparison = alloc.period_start, alloc.grain, alloc.comparison
            components: dict[str, float] = {}
            bridge = bridges.get(BRIDGE_OF_KPI.get(decl.kpi, ""))
            if bridge is not None and not bridge.empty:
                b = bridge[(bridge["grain"] == grain) & (pd.to_datetime(bridge["period_start"]).dt.date == start)]
                if "comparison" in b.columns:
                    b = b[b["comparison"] == comparison]
                components = b.groupby("component")["amount"].sum().astype(float).to_dict()
            base = _comparison_start(grain, start, comparison)

            def change_of(kpi: str, grain: str = grain, start: dt.date = start, base: dt.date = base) -> float | None:
                now, then = actuals.get((kpi, grain, start)), actuals.get((kpi, grain, base))
                if now is None or then is None or now.value is None or then.value is None:
                    return None
                return now.value - then.value

            drivers = list(alloc.parts) + [c for c in components if c not in alloc.parts]
            total_actual = sum(components.values()) if components else change_of(decl.kpi)
            for driver in drivers:
                allocated = alloc.parts.get(driver, 0.0)
                actual = components.get(driver) if components else change_of(driver)
                rows.append((decl.kpi, grain, start, comparison, driver, allocated, actual))
            total_allocated = alloc.change if alloc.change is not None else sum(alloc.parts.values())
            rows.append((decl.kpi, grain, start, comparison, "total", total_allocated, total_actual))
    frame = pd.DataFrame(rows, columns=ALLOCATION_COLUMNS[:-1])
    frame["allocated"] = frame["allocated"].astype(float)
    frame["actual"] = frame["actual"].astype(float)
    frame["difference"] = frame["actual"] - frame["allocated"]
    return frame


def allocation_summary(check: pd.DataFrame, kpi_id: str) -> list[str]:
    """Lines like 'revenue 2026-11 vs previous: new_customers planned +1,100, actual +950'."""
    lines = []
    for (grain, start, comparison), group in check[check["kpi_id"] == kpi_id].groupby(
        ["grain", "period_start", "comparison"], sort=True
    ):
        parts = []
        for row in group.itertuples(index=False):
            actual = "n/a" if pd.isna(row.actual) else f"{row.actual:+,.0f}"
            parts.append(f"{row.driver} planned {row.allocated:+,.0f}, actual {actual}")
        lines.append(f"{label(grain, pd.Timestamp(start).date())} vs {comparison}: " + "; ".join(parts))
    return lines


# --- reading the published scorecard (kpi scorecard, kpi report) ---------------------------


def load_scorecard(serving_path):
    """(scorecard, catalog, allocation check) from the serving database."""
    import duckdb

    from orchestration.lib.targets import load_declarations

    with duckdb.connect(str(serving_path), read_only=True) as con:
        tables = set(
            con.execute("select table_name from information_schema.tables where table_schema = 'kpi'").df()[
                "table_name"
            ]
        )
        scorecard = con.sql("select * from kpi.kpi_scorecard").df()
        catalog = con.sql("select * from kpi.kpi_catalog").df() if "kpi_catalog" in tables else pd.DataFrame()
        bridges = {t: con.sql(f"select * from kpi.{t}").df() for t in ("revenue_bridge", "mrr_bridge") if t in tables}
        values = (
            con.sql("select kpi_id, grain, period_start, value, is_complete from kpi.kpi_values").df()
            if "kpi_values" in tables
            else None
        )
    scorecard["period_start"] = pd.to_datetime(scorecard["period_start"]).dt.date
    check = allocation_check(load_declarations(), bridges, values)
    return scorecard, catalog, check


def select_rows(scorecard, grain: str, as_of: dt.date | None, every_period: bool = False):
    """Per KPI: the period at `grain` containing `as_of` (default: the latest) and the one
    before. A KPI without targets at `grain` shows its finest targeted grain instead."""
    rows = []
    for _kpi, group in scorecard.groupby("kpi_id", sort=False):
        grains = [grain] + [g for g in GRAIN_PREFERENCE if g != grain]
        use = next((g for g in grains if (group["grain"] == g).any()), None)
        part = group[group["grain"] == use]
        if as_of is not None:
            part = part[part["period_start"] <= as_of]
        if part.empty:
            continue
        if not every_period:
            current = period_start(use, as_of) if as_of else part["period_start"].max()
            part = part[part["period_start"].isin([current, shift(use, current, -1)])]
        rows.append(part)
    return pd.concat(rows).sort_values(["kpi_id", "period_start"]) if rows else scorecard.head(0)


def kpi_tree(kpis: list[str], catalog, order: list[str] | None = None) -> list[tuple[str, int, str]]:
    """(kpi_id, depth, perspective) in print order: each perspective's top KPIs, each
    followed by the KPIs aligned to it (recursively)."""
    info = catalog.set_index("kpi_id").to_dict("index") if not catalog.empty else {}
    shown = set(kpis)
    parent = {k: (info.get(k, {}).get("aligns_to") or None) for k in kpis}
    parent = {k: (p if p in shown and p != k else None) for k, p in parent.items()}
    children: dict[str, list[str]] = {}
    for k in kpis:
        if parent[k]:
            children.setdefault(parent[k], []).append(k)
    position = {k: i for i, k in enumerate(order or [])}
    printed: list[tuple[str, int, str]] = []
    seen: set[str] = set()

    def walk(k: str, depth: int, perspective: str) -> None:
        if k in seen:
            return
        seen.add(k)
        printed.append((k, depth, perspective))
        for child in sorted(children.get(k, []), key=lambda c: (position.get(c, len(position)), c)):
            walk(child, depth + 1, perspective)

    def perspective_of(k: str) -> str:
        return str(info.get(k, {}).get("perspective") or "other")

    rank = {p: i for i, p in enumerate(PERSPECTIVES)}
    roots = sorted(
        (k for k in kpis if parent[k] is None),
        key=lambda k: (rank.get(perspective_of(k), 99), position.get(k, len(position)), k),
    )
    for k in roots:
        walk(k, 0, perspective_of(k))
    for k in kpis:  # alignment cycles: still show them
        walk(k, 0, perspective_of(k))
    return printed
