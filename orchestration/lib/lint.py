"""`kpi lint`: is each declared KPI a good KPI? (targets.md, "Lint")

Errors make a declaration unusable (nothing to measure, no number, no deadline, nobody
answering for it, no direction, not tied to the business); warnings flag a KPI that is
usable but weak (nothing to act on, an unrealistic target, an allocation that does not add
up). Every message names the fix in plain words.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from orchestration.lib.cascade import Actual, Key, base_value, explicit_target, index_actuals
from orchestration.lib.periods import label, period_end, periods_between
from orchestration.lib.targets import KpiDeclaration, KpiDefinition, load_declarations, load_kpi_definitions

HISTORY_PERIODS = 24
# The order the "good" checks are listed in, and how a manager reads them.
CHECKS = {
    "measurable": "measurable",
    "specific": "specific",
    "time_bound": "time-bound",
    "owned": "owned",
    "directional": "has a direction",
    "aligned": "business-aligned",
    "actionable": "actionable",
    "realistic": "realistic",
    "allocation": "allocation adds up",
}


@dataclass(frozen=True)
class Finding:
    kpi: str
    severity: str  # error | warning
    check: str  # a key of CHECKS, or "valid"
    message: str


@dataclass
class LintReport:
    declarations: list[KpiDeclaration]
    findings: list[Finding] = field(default_factory=list)
    used_data: bool = False

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def for_kpi(self, kpi: str) -> list[Finding]:
        return [f for f in self.findings if f.kpi == kpi]


def _rate(x: float) -> str:
    return f"{x:+.1%}"


def _grain_word(grain: str) -> str:
    return {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}[grain]


def _history(actuals: dict[Key, Actual], kpi: str, grain: str, before: dt.date | None = None) -> list[float | None]:
    """Values of the last complete periods of `grain` (oldest first). The KPI's first
    published period is left out: data usually starts in the middle of it, and its
    partial value would make the next period look like a leap."""
    series = sorted((start, a) for (k, g, start), a in actuals.items() if k == kpi and g == grain and a.is_complete)
    series = series[1:]
    if before is not None:
        series = [(s, a) for s, a in series if s < before]
    return [a.value for _, a in series[-HISTORY_PERIODS:]]


def _best_change(values: list[float | None], direction: str) -> float | None:
    """Best period-over-period growth (up) or reduction (down) in the history."""
    changes = []
    for prev, cur in zip(values, values[1:], strict=False):
        if prev is None or cur is None or prev <= 0:
            continue
        changes.append(cur / prev - 1 if direction != "down" else 1 - cur / prev)
    return max(changes) if changes else None


def _check_realism(decl: KpiDeclaration, direction: str, actuals: dict[Key, Actual], as_of: dt.date) -> list[Finding]:
    out = []
    better = "growth" if direction != "down" else "reduction"
    for spec in decl.targets:
        target = explicit_target(decl.kpi, spec, actuals)
        if target is None or period_end(spec.grain, spec.period_start) <= as_of:
            continue  # past periods are history, not plans
        grain = spec.grain
        known = sorted(
            (start, a.value)
            for (k, g, start), a in actuals.items()
            if k == decl.kpi and g == grain and a.is_complete and a.value is not None and start < spec.period_start
        )
        if not known:
            continue
        ref_start, ref_value = known[-1]
        n = periods_between(grain, ref_start, spec.period_start)
        if ref_value <= 0 or target <= 0 or n <= 0:
            continue
        ratio = (target / ref_value) ** (1 / n)
        needed = ratio - 1 if direction != "down" else 1 - ratio
        best = _best_change(_history(actuals, decl.kpi, grain), direction)
        if best is None or needed <= 0 or needed <= best:
            continue
        word = _grain_word(grain)
        out.append(
            Finding(
                decl.kpi,
                "warning",
                "realistic",
                f"not realistic: reaching {target:,.4g} in {spec.where} from {ref_value:,.4g} in "
                f"{label(grain, ref_start)} needs a {better} of {_rate(needed)[1:]} per {word}, but the best "
                f"{word}-over-{word} {better} of the last {HISTORY_PERIODS} {word}s was {_rate(best)[1:]}. "
                "Lower the target, give it more time, or say which actions will beat the record.",
            )
        )
    plan = decl.plan
    if plan is not None and not plan.problems:
        v0 = base_value(decl.kpi, plan, actuals)
        vt = plan.target_for(v0) if v0 is not None else plan.target_value
        years = [
            (start, a.value)
            for (k, g, start), a in sorted(actuals.items())
            if k == decl.kpi and g == "year" and a.is_complete and a.value is not None
        ][1:]  # the first year is usually partial
        years = years[-HISTORY_PERIODS:]
        if v0 and vt and v0 > 0 and vt > 0 and len(years) >= 2 and years[0][1] > 0 and years[-1][1] > 0:
            plan_cagr = (vt / v0) ** (1 / (plan.target_year - plan.base_year)) - 1
            span = years[-1][0].year - years[0][0].year
            hist_cagr = (years[-1][1] / years[0][1]) ** (1 / span) - 1
            if plan_cagr > 2 * hist_cagr and plan_cagr > 0:
                out.append(
                    Finding(
                        decl.kpi,
                        "warning",
                        "realistic",
                        f"not realistic: the plan needs {_rate(plan_cagr)} a year ({plan.base_year} → "
                        f"{plan.target_year}), more than twice the {_rate(hist_cagr)} a year the KPI grew from "
                        f"{years[0][0].year} to {years[-1][0].year}. Lower the plan's target, push out its "
                        "target year, or show which actions will double the historical pace.",
                    )
                )
    return out


def _cycle_from(start: str, parent: dict[str, str | None]) -> list[str] | None:
    path, node = [start], parent.get(start)
    while node is not None:
        if node == start:
            return path + [start]
        if node in path:
            return None  # a cycle further up, reported from its own members
        path.append(node)
        node = parent.get(node)
    return None


@dataclass(frozen=True)
class _Project:
    """What every declaration is judged against: the metrics, the other declarations, the data."""

    definitions: dict[str, KpiDefinition]
    declared: set[str]
    parent: dict[str, str | None]
    children: dict[str, list[str]]
    actuals: dict[Key, Actual]
    as_of: dt.date

    @property
    def metric_list(self) -> str:
        return ", ".join(sorted(self.definitions)[:6]) + (", …" if len(self.definitions) > 6 else "")


def lint(
    declarations: list[KpiDeclaration],
    definitions: dict[str, KpiDefinition],
    kpi_values: pd.DataFrame | None = None,
    as_of: dt.date | None = None,
) -> LintReport:
    """Every error and warning of targets.md, per declared KPI (one check function per criterion)."""
    report = LintReport(declarations, used_data=kpi_values is not None and not kpi_values.empty)
    children: dict[str, list[str]] = {}
    for d in declarations:
        if d.aligns_to:
            children.setdefault(d.aligns_to, []).append(d.kpi)
    project = _Project(
        definitions=definitions,
        declared={d.kpi for d in declarations},
        parent={d.kpi: d.aligns_to for d in declarations},
        children=children,
        actuals=index_actuals(kpi_values) if kpi_values is not None else {},
        as_of=as_of or dt.date.today(),
    )
    seen: dict[str, str] = {}
    for d in declarations:
        if d.kpi in seen:
            report.findings.append(
                _error(d, "valid", f"declared twice (in {seen[d.kpi]} and {d.source}): keep one declaration per KPI.")
            )
        seen[d.kpi] = d.source
        for check in _CHECKS:
            report.findings.extend(check(d, project))
    return report


def _error(d: KpiDeclaration, check: str, message: str) -> Finding:
    return Finding(d.kpi, "error", check, message)


def _warning(d: KpiDeclaration, check: str, message: str) -> Finding:
    return Finding(d.kpi, "warning", check, message)


def _direction(d: KpiDeclaration, project: _Project) -> str | None:
    definition = project.definitions.get(d.kpi)
    return d.direction or (definition.direction if definition else None)


def _check_measurable(d: KpiDeclaration, project: _Project) -> Iterator[Finding]:
    if d.kpi in project.definitions:
        return
    close = difflib.get_close_matches(d.kpi, list(project.definitions), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    yield _error(
        d,
        "measurable",
        f"not measurable: no metric is called {d.kpi!r}, so nothing can measure it. "
        f"Declare the KPI under the id of a defined metric ({project.metric_list or 'none defined yet'}), "
        f"or define that metric first in dbt_project/models/kpis.{hint}",
    )


def _check_specific_and_time_bound(d: KpiDeclaration, project: _Project) -> Iterator[Finding]:
    if not d.targets and d.plan is None:
        yield _error(
            d, "specific", "not specific: there is no number to reach. Add a target with a value, e.g. `value: 120000`."
        )
        yield _error(
            d,
            "time_bound",
            "not time-bound: there is no date to reach it by. Give the target a period "
            "(2026, 2026-Q3, 2026-11) or a deadline (2026-12-15).",
        )
    for spec in d.targets:
        where = f" for {spec.where}" if spec.grain else ""
        if spec.number_problem:
            yield _error(
                d,
                "specific",
                f"not specific: the target{where} has no number to reach ({spec.number_problem}), so nobody "
                "can tell whether it was met. Write the number, e.g. `value: 120000`, or a change on the "
                'previous period such as `value: "+25000 over last month"`.',
            )
        if spec.period_problem:
            shown = spec.raw.get("value")
            what = f"the target {shown!r}" if shown is not None else "a target"
            yield _error(
                d,
                "time_bound",
                f"not time-bound: {what} has no date to reach it by ({spec.period_problem}), so it can "
                "never be late. Add `period: 2026-11` (or 2026-Q3, 2026) or `deadline: 2026-12-15`.",
            )


def _check_plan(d: KpiDeclaration, project: _Project) -> Iterator[Finding]:
    plan = d.plan
    if plan is None:
        return
    for problem in plan.problems:
        if "year" in problem and "after" not in problem:
            yield _error(
                d, "time_bound", f"not time-bound: {problem}. Add it, e.g. `base_year: 2025, target_year: 2030`."
            )
        elif "target value" in problem:
            yield _error(d, "specific", f"not specific: {problem}. Add e.g. `target_value: 5000000` (or `2x`, `+60%`).")
        else:
            yield _error(d, "valid", f"the plan cannot be used: {problem}.")
    if plan.method != "compound" or plan.problems:
        return
    v0 = base_value(d.kpi, plan, project.actuals)
    vt = plan.target_for(v0) if v0 is not None else plan.target_value
    bad = [f"{name} {v:,.4g}" for name, v in (("base", v0), ("target", vt)) if v is not None and v <= 0]
    if bad:
        yield _error(
            d,
            "valid",
            f"the compound plan cannot work: a compound plan grows by a fixed percentage a year, "
            f"which cannot start from or reach zero or less ({', '.join(bad)}). "
            "Use `method: linear`, or positive numbers.",
        )
    elif v0 is None and plan.base_value is None and project.actuals:
        yield _warning(
            d,
            "realistic",
            f"the plan's base year {plan.base_year} has no actual yet, so the plan yields no targets. "
            "Give a `base_value` or pick a base year with data.",
        )


def _check_owned_and_directional(d: KpiDeclaration, project: _Project) -> Iterator[Finding]:
    if not d.owner:
        yield _error(
            d, "owned", "no owner: nobody answers for this KPI. Add `owner:` with a name or an e-mail address."
        )
    if d.kpi in project.definitions and _direction(d, project) not in ("up", "down"):
        yield _error(
            d,
            "directional",
            "no direction: the metric does not say whether more is better or worse, so a target cannot be "
            "judged. Add `direction: up` (more is better) or `direction: down` (less is better).",
        )


def _check_aligned(d: KpiDeclaration, project: _Project) -> Iterator[Finding]:
    if d.level == "team" and not d.aligns_to:
        yield _error(
            d,
            "aligned",
            "not business-aligned: a team KPI must say which company KPI it moves. "
            "Add `aligns_to: <company kpi>`, e.g. `aligns_to: revenue`.",
        )
    if d.aligns_to and d.aligns_to not in project.declared and d.aligns_to not in project.definitions:
        yield _error(
            d,
            "aligned",
            f"not business-aligned: it aligns to {d.aligns_to!r}, which is no KPI. Point `aligns_to` at a declared KPI.",
        )
    cycle = _cycle_from(d.kpi, project.parent)
    if cycle:
        yield _error(
            d,
            "aligned",
            f"not business-aligned: alignment goes round in a circle ({' → '.join(cycle)}), so it never "
            "reaches a company objective. Make the top KPI `level: company` without `aligns_to`.",
        )
    for problem in d.problems:
        yield _error(d, "valid", f"{problem}.")


def _check_actionable_and_realistic(d: KpiDeclaration, project: _Project) -> Iterator[Finding]:
    if not d.actions and not project.children.get(d.kpi):
        yield _warning(
            d,
            "actionable",
            "not actionable: no actions and no team KPIs driving it, so nobody knows what to do to move it. "
            "List the initiatives under `actions:`, or align team KPIs to it.",
        )
    direction = _direction(d, project)
    if project.actuals and direction in ("up", "down") and d.kpi in project.definitions:
        yield from _check_realism(d, direction, project.actuals, project.as_of)


def _check_allocations(d: KpiDeclaration, project: _Project) -> Iterator[Finding]:
    for alloc in d.allocations:
        for problem in alloc.problems:
            yield _error(d, "valid", f"{problem}.")
        if alloc.problems:
            continue
        change = alloc.change
        if change is None:
            change = next(
                (
                    t.number
                    for t in d.targets
                    if t.kind == "delta" and t.grain == alloc.grain and t.period_start == alloc.period_start
                ),
                None,
            )
        total = sum(alloc.parts.values())
        if change is not None and abs(total - change) > 0.005 * max(1.0, abs(change)):
            parts = " + ".join(f"{k} {v:,.4g}" for k, v in alloc.parts.items())
            yield _warning(
                d,
                "allocation",
                f"the allocation for {label(alloc.grain, alloc.period_start)} does not add up: "
                f"{parts} = {total:,.4g}, but the targeted change is {change:,.4g}. "
                "Adjust the parts or the change so they match.",
            )


#: the criteria of targets.md, in the order their findings are listed
_CHECKS = (
    _check_measurable,
    _check_specific_and_time_bound,
    _check_plan,
    _check_owned_and_directional,
    _check_aligned,
    _check_actionable_and_realistic,
    _check_allocations,
)


def read_kpi_values(warehouse: Path) -> pd.DataFrame | None:
    """marts.kpi_values from the warehouse, or None when there is none (yet) or it is busy."""
    if not Path(warehouse).exists():
        return None
    import duckdb

    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.sql("select kpi_id, grain, period_start, value, is_complete from marts.kpi_values").df()
    except duckdb.Error:
        return None


def lint_project(
    targets_dir: Path | str | None = None,
    models_dir: Path | str | None = None,
    warehouse: Path | None = None,
    as_of: dt.date | None = None,
) -> LintReport:
    """Lint the declarations in `targets_dir` against the metrics in `models_dir`, using the
    last run's kpi_values in `warehouse` (when there is one) for the realism checks."""
    values = read_kpi_values(warehouse) if warehouse is not None else None
    return lint(load_declarations(targets_dir), load_kpi_definitions(models_dir), values, as_of)


def format_report(report: LintReport) -> str:
    """Per KPI: what makes it good, and each error and warning."""
    lines = []
    order = list(dict.fromkeys(d.kpi for d in report.declarations))
    by_kpi = {d.kpi: d for d in report.declarations}
    for kpi in order:
        d = by_kpi[kpi]
        findings = report.for_kpi(kpi)
        errors = [f for f in findings if f.severity == "error"]
        warnings = [f for f in findings if f.severity == "warning"]
        verdict = (f"{len(errors)} error{'s' * (len(errors) != 1)}" if errors else "a good KPI") + (
            f", {len(warnings)} warning{'s' * (len(warnings) != 1)}" if warnings else ""
        )
        where = f"{d.level}" + (f" → {d.aligns_to}" if d.aligns_to else "")
        owner = f", owner {d.owner}" if d.owner else ""
        lines.append(f"{kpi} ({where}{owner}): {verdict}")
        failed = {f.check for f in findings}
        good = [word for check, word in CHECKS.items() if check not in failed]
        if not report.used_data:
            good = [w for w in good if w != CHECKS["realistic"]]
        if any(f.check == "measurable" for f in findings):
            good = [w for w in good if w not in (CHECKS["directional"], CHECKS["realistic"])]
        if not d.allocations:
            good = [w for w in good if w != CHECKS["allocation"]]
        lines.append("  ✓ " + ", ".join(good))
        for f in errors + warnings:
            lines.append(f"  {'✗ error' if f.severity == 'error' else '! warning'}: {f.message}")
    n_bad = len({f.kpi for f in report.errors})
    summary = f"{len(order)} KPIs checked: {len(report.errors)} errors, {len(report.warnings)} warnings" + (
        f" ({n_bad} KPI{'s' * (n_bad != 1)} unusable until fixed)" if n_bad else ""
    )
    if not report.used_data:
        summary += "; realism not checked (no kpi_values yet: run the pipeline first)"
    lines.append(summary)
    return "\n".join(lines)


def lint_for_run(warehouse: Path, as_of: dt.date, out=None) -> bool:
    """What `kpi run` does before any work: lint the declarations (with the last run's data in
    `warehouse`, when there is one), print the KPIs that have findings, and return False on errors."""
    import sys

    out = out or sys.stdout
    report = lint_project(warehouse=warehouse, as_of=as_of)
    flagged = {f.kpi for f in report.findings}
    if flagged:
        shown = LintReport([d for d in report.declarations if d.kpi in flagged], report.findings, report.used_data)
        print(format_report(shown), file=out)
    else:
        print(f"kpi lint: {len(report.declarations)} KPIs declared, all good", file=out)
    return not report.errors
