"""Working backwards: a multi-year plan becomes year, quarter and month targets, and
explicit targets (numbers, changes on the previous period, deadlines) are laid over it.

See docs/targets.md for the rules; every formula here is one line of targets.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from orchestration.lib.periods import shift
from orchestration.lib.targets import KpiDeclaration, KpiProfile, PlanSpec, TargetSpec

TARGET_COLUMNS = ["kpi_id", "grain", "period_start", "target_value", "source"]

Key = tuple[str, str, dt.date]  # kpi_id, grain, period_start


@dataclass(frozen=True)
class Actual:
    value: float | None
    is_complete: bool


def index_actuals(kpi_values: pd.DataFrame) -> dict[Key, Actual]:
    """(kpi_id, grain, period_start) -> Actual, from a kpi_values frame."""
    out: dict[Key, Actual] = {}
    if kpi_values is None or kpi_values.empty:
        return out
    for row in kpi_values.itertuples(index=False):
        value = None if pd.isna(row.value) else float(row.value)
        complete = bool(getattr(row, "is_complete", True))
        out[(row.kpi_id, row.grain, pd.Timestamp(row.period_start).date())] = Actual(value, complete)
    return out


def year_path(v0: float, vt: float, y0: int, yt: int, method: str) -> dict[int, float]:
    """V(k) for Y0 ≤ k ≤ YT (V(Y0) = V0)."""
    out = {}
    for k in range(y0, yt + 1):
        t = (k - y0) / (yt - y0)
        out[k] = v0 * (vt / v0) ** t if method == "compound" else v0 + (vt - v0) * t
    return out


def seasonal_shares(kpi_id: str, base_year: int, actuals: dict[Key, Actual]) -> list[float]:
    """Each month's share of the base year's actual total; an even split unless all 12
    months of the base year are complete with a non-zero total."""
    months = [actuals.get((kpi_id, "month", dt.date(base_year, m, 1))) for m in range(1, 13)]
    if all(a is not None and a.is_complete and a.value is not None for a in months):
        total = sum(a.value for a in months)
        if total != 0:
            return [a.value / total for a in months]
    return [1 / 12] * 12


def base_value(kpi_id: str, plan: PlanSpec, actuals: dict[Key, Actual]) -> float | None:
    """The plan's base: its explicit base value, else the base year's actual at year grain."""
    if plan.base_value is not None:
        return plan.base_value
    actual = actuals.get((kpi_id, "year", dt.date(plan.base_year, 1, 1)))
    return actual.value if actual else None


def plan_targets(kpi_id: str, plan: PlanSpec, is_flow: bool, actuals: dict[Key, Actual]) -> dict[Key, float]:
    """Year, quarter and month targets for every year after the base year up to the target year."""
    if plan.problems or plan.base_year is None or plan.target_year is None:
        return {}
    v0 = base_value(kpi_id, plan, actuals)
    if v0 is None:
        return {}
    vt = plan.target_for(v0)
    if vt is None or (plan.method == "compound" and (v0 <= 0 or vt <= 0)):
        return {}
    path = year_path(v0, vt, plan.base_year, plan.target_year, plan.method)
    shares = seasonal_shares(kpi_id, plan.base_year, actuals) if is_flow else None
    out: dict[Key, float] = {}
    for k in range(plan.base_year + 1, plan.target_year + 1):
        out[(kpi_id, "year", dt.date(k, 1, 1))] = path[k]
        months = {}
        for m in range(1, 13):
            if is_flow:
                months[m] = path[k] * shares[m - 1]
            elif plan.method == "compound":
                months[m] = path[k - 1] * (path[k] / path[k - 1]) ** (m / 12)
            else:
                months[m] = path[k - 1] + (path[k] - path[k - 1]) * m / 12
            out[(kpi_id, "month", dt.date(k, m, 1))] = months[m]
        for q in range(4):
            quarter = [months[3 * q + i] for i in (1, 2, 3)]
            out[(kpi_id, "quarter", dt.date(k, 3 * q + 1, 1))] = sum(quarter) if is_flow else quarter[-1]
    return out


def explicit_target(kpi_id: str, spec: TargetSpec, actuals: dict[Key, Actual]) -> float | None:
    """The number of an explicit target; a change is added to the actual of the previous
    period of the same grain (None while that actual is unknown)."""
    if spec.grain is None or spec.period_start is None or spec.number is None or spec.period_problem:
        return None
    if spec.kind == "absolute":
        return spec.number
    previous = actuals.get((kpi_id, spec.grain, shift(spec.grain, spec.period_start, -1)))
    if previous is None or previous.value is None:
        return None
    if spec.kind == "delta_pct":
        return previous.value * (1 + spec.number / 100)
    return previous.value + spec.number


def build_targets(
    declarations: list[KpiDeclaration],
    kpi_values: pd.DataFrame,
    profiles: dict[str, KpiProfile],
) -> pd.DataFrame:
    """All targets: plan-derived ones, then explicit ones overriding the same KPI, grain
    and period only (derived quarters and years are not re-summed from overridden months)."""
    actuals = index_actuals(kpi_values)
    targets: dict[Key, tuple[float, str]] = {}
    for decl in declarations:
        profile = profiles.get(decl.kpi)
        if decl.plan is not None and profile is not None:
            for key, value in plan_targets(decl.kpi, decl.plan, profile.is_flow, actuals).items():
                targets[key] = (value, "plan")
    for decl in declarations:
        for spec in decl.targets:
            value = explicit_target(decl.kpi, spec, actuals)
            if value is not None:
                targets[(decl.kpi, spec.grain, spec.period_start)] = (value, "explicit")
    rows = [(k, g, p, v, s) for (k, g, p), (v, s) in sorted(targets.items())]
    frame = pd.DataFrame(rows, columns=TARGET_COLUMNS)
    frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    frame["target_value"] = frame["target_value"].astype(float)
    return frame
