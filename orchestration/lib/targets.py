"""Targets as code: KPI definitions (from the dbt YAML) and target declarations
(dbt_project/kpi_targets/*.yml). The periods they are written in are lib/periods.py, the
numbers lib/amounts.py.

Plain Python, no Dagster: the cascade, scorecard and lint modules build on this.
Parsing is tolerant on purpose — `kpi lint` must be able to read a bad declaration
and say what is wrong with it; `problems` on each parsed object records what could
not be understood.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from orchestration.lib.amounts import parse_amount, parse_target_value
from orchestration.lib.periods import label, parse_date, parse_period, period_start
from orchestration.lib.settings import DBT_PROJECT_DIR, TARGETS_DIR

KPI_MODELS_DIR = DBT_PROJECT_DIR / "models" / "kpis"
DEFAULT_TOLERANCE = 0.05


def targets_dir() -> Path:
    """Where the target declarations are: $KPI_TARGETS_DIR, else dbt_project/kpi_targets."""
    env = os.environ.get("KPI_TARGETS_DIR")
    return Path(env).resolve() if env else TARGETS_DIR


def kpi_models_dir() -> Path:
    """Where the KPI definitions (dbt YAML) are: $KPI_MODELS_DIR, else dbt_project/models/kpis."""
    env = os.environ.get("KPI_MODELS_DIR")
    return Path(env).resolve() if env else KPI_MODELS_DIR


#: the balanced-scorecard perspectives of kpi_catalog, in the order the scorecard shows them
PERSPECTIVES = {
    "financial": "Financial",
    "customer": "Customer",
    "internal_process": "Internal process",
    "learning_growth": "Learning and growth",
}


# ----------------------------------------------------------------------------- KPI definitions


@dataclass(frozen=True)
class KpiDefinition:
    """A metric as defined in dbt (`models/kpis/*.yml`, meta.kpi)."""

    kpi_id: str
    name: str
    unit: str | None = None
    direction: str | None = None  # up | down | none
    kind: str | None = None  # flow | stock | ratio
    category: str | None = None
    perspective: str | None = None
    grains: tuple[str, ...] = ()

    @property
    def is_flow(self) -> bool:
        return self.kind == "flow"


def _read_yaml(path: Path) -> dict:
    """A YAML file of the project (KPI definitions, target declarations), read with libyaml's
    safe parser when PyYAML has it: each is read several times a run (lint, targets, scorecard,
    report), the dbt YAML about 0.13 s a time with the pure-Python parser."""
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}


def load_kpi_definitions(models_dir: Path | str | None = None) -> dict[str, KpiDefinition]:
    """Every KPI defined in the dbt YAML files of `models_dir` (no dbt run needed)."""
    defs: dict[str, KpiDefinition] = {}
    for path in sorted(Path(models_dir or kpi_models_dir()).rglob("*.y*ml")):
        doc = _read_yaml(path)
        for model in doc.get("models") or []:
            meta = dict((model.get("config") or {}).get("meta") or {})
            meta.update(model.get("meta") or {})
            kpi = meta.get("kpi")
            if not isinstance(kpi, dict):
                continue
            model_name = str(model.get("name", ""))
            kpi_id = str(kpi.get("kpi_id") or model_name.removeprefix("kpi_"))
            defs[kpi_id] = KpiDefinition(
                kpi_id=kpi_id,
                name=str(kpi.get("name") or kpi_id),
                unit=kpi.get("unit"),
                direction=kpi.get("direction"),
                kind=kpi.get("kind"),
                category=kpi.get("category"),
                perspective=kpi.get("perspective"),
                grains=tuple(kpi.get("grains") or ()),
            )
    return defs


# ----------------------------------------------------------------------------- declarations


@dataclass
class TargetSpec:
    """One explicit target: a period (or deadline) and a number (or a change on the
    previous period's actual)."""

    raw: dict
    grain: str | None = None
    period_start: dt.date | None = None
    kind: str | None = None  # absolute | delta | delta_pct
    number: float | None = None
    period_problem: str | None = None  # why no period could be read
    number_problem: str | None = None  # why no number could be read

    @property
    def where(self) -> str:
        if self.grain and self.period_start:
            return label(self.grain, self.period_start)
        return str(self.raw.get("period") or self.raw.get("deadline") or "(no period)")


@dataclass
class PlanSpec:
    raw: dict
    base_year: int | None = None
    base_value: float | None = None
    target_year: int | None = None
    target_value: float | None = None  # absolute, when written as a number
    target_multiple: float | None = None  # "2x" or "+60%": VT = V0 × multiple
    method: str = "compound"
    problems: list[str] = field(default_factory=list)

    def target_for(self, base: float) -> float | None:
        if self.target_value is not None:
            return self.target_value
        if self.target_multiple is not None:
            return base * self.target_multiple
        return None


@dataclass
class AllocationSpec:
    """How a targeted change is split among drivers, e.g. revenue +1500 =
    new_customers 1100 + volume 300 + price 100."""

    raw: dict
    grain: str | None = None
    period_start: dt.date | None = None
    comparison: str = "previous"
    change: float | None = None
    parts: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass
class KpiDeclaration:
    kpi: str  # the key it was declared under: a kpi_id when it names a metric
    source: str = ""
    owner: str | None = None
    level: str = "company"
    aligns_to: str | None = None
    direction: str | None = None
    tolerance: float = DEFAULT_TOLERANCE
    actions: list[str] = field(default_factory=list)
    targets: list[TargetSpec] = field(default_factory=list)
    plan: PlanSpec | None = None
    allocations: list[AllocationSpec] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


_DELTA_KEYS = ("delta", "change", "increase")


def _parse_target(raw: object) -> TargetSpec:
    if not isinstance(raw, dict):
        raw = {"value": raw}
    spec = TargetSpec(raw=raw)
    # when: a period (grain inferred, or checked against an explicit grain) or a deadline
    if raw.get("deadline") is not None:
        try:
            spec.grain, spec.period_start = "month", period_start("month", parse_date(raw["deadline"]))
        except ValueError:
            spec.period_problem = f"the deadline {raw['deadline']!r} is not a date (write 2026-12-15)"
    elif raw.get("period") is not None:
        try:
            spec.grain, spec.period_start = parse_period(raw["period"])
            grain = raw.get("grain")
            if grain and grain != spec.grain:
                spec.period_problem = f"the period {raw['period']!r} is a {spec.grain}, but the grain says {grain}"
        except ValueError:
            spec.period_problem = (
                f"{raw['period']!r} is not a period "
                "(write a year 2026, a quarter 2026-Q3, a month 2026-11, or a deadline date)"
            )
    else:
        spec.period_problem = "it has no period and no deadline"
    # what: a number, or a change on the previous period
    delta_key = next((k for k in _DELTA_KEYS if raw.get(k) is not None), None)
    if delta_key:
        text = raw[delta_key]
        if isinstance(text, (int, float)) and not isinstance(text, bool):
            parsed = ("delta", float(text))
        else:
            text = str(text).strip()
            parsed = parse_target_value(text if text[:1] in "+-" else "+" + text)
    elif raw.get("value") is not None:
        parsed = parse_target_value(raw["value"])
    else:
        parsed = None
        spec.number_problem = "it has no number"
    if parsed is None and spec.number_problem is None:
        shown = raw.get(delta_key) if delta_key else raw.get("value")
        spec.number_problem = f"{shown!r} is not a number"
    if parsed is not None:
        spec.kind, spec.number = parsed
    return spec


def _parse_plan(raw: object) -> PlanSpec:
    if not isinstance(raw, dict):
        return PlanSpec(raw={}, problems=["the plan must list base_year, target_year and target_value"])
    plan = PlanSpec(raw=raw, method=str(raw.get("method") or "compound").lower())
    for key in ("base_year", "target_year"):
        try:
            setattr(plan, key, int(raw[key]))
        except (KeyError, TypeError, ValueError):
            plan.problems.append(f"the plan has no {key.replace('_', ' ')} (a year like 2025)")
    if raw.get("base_value") is not None:
        amount = parse_amount(raw["base_value"])
        if amount is None:
            plan.problems.append(f"the plan's base value {raw['base_value']!r} is not a number")
        else:
            plan.base_value = amount[0]
    target = raw.get("target_value")
    text = str(target).strip().lower() if target is not None else ""
    multiple = re.match(r"^(?:x\s*([\d.]+)|([\d.]+)\s*x)$", text)
    if target is None:
        plan.problems.append("the plan has no target value")
    elif multiple:
        plan.target_multiple = float(multiple[1] or multiple[2])
    elif text[:1] in "+-" and text.endswith("%") and parse_target_value(text):
        plan.target_multiple = 1 + parse_target_value(text)[1] / 100
    elif parse_amount(target) is not None and not parse_amount(target)[1]:
        plan.target_value = parse_amount(target)[0]
    else:
        plan.problems.append(f"the plan's target value {target!r} is not a number")
    if plan.method not in ("compound", "linear"):
        plan.problems.append(f"the plan method {plan.method!r} is neither compound nor linear")
    if plan.base_year and plan.target_year and plan.target_year <= plan.base_year:
        plan.problems.append("the plan's target year must come after its base year")
    return plan


def _parse_allocation(raw: object) -> AllocationSpec:
    if not isinstance(raw, dict):
        return AllocationSpec(raw={}, problems=["an allocation needs a period, a change and parts"])
    alloc = AllocationSpec(raw=raw, comparison=str(raw.get("comparison") or "previous"))
    try:
        alloc.grain, alloc.period_start = parse_period(raw.get("period"))
    except ValueError:
        alloc.problems.append(f"the allocation's period {raw.get('period')!r} is not a period")
    if raw.get("change") is not None:
        parsed = parse_target_value(raw["change"])
        if parsed is None or parsed[0] == "delta_pct":
            alloc.problems.append(f"the allocation's change {raw['change']!r} is not an amount")
        else:
            alloc.change = parsed[1]
    parts = raw.get("parts") or {}
    if not isinstance(parts, dict) or not parts:
        alloc.problems.append("the allocation names no parts (driver: amount)")
        parts = {}
    for driver, amount in parts.items():
        parsed = parse_target_value(amount)
        if parsed is None or parsed[0] == "delta_pct":
            alloc.problems.append(f"the allocation's part {driver}: {amount!r} is not an amount")
        else:
            alloc.parts[str(driver)] = parsed[1]
    if alloc.comparison not in ("previous", "year_ago"):
        alloc.problems.append("an allocation compares with 'previous' or 'year_ago'")
    return alloc


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def parse_declaration(kpi: str, raw: object, source: str = "") -> KpiDeclaration:
    raw = raw if isinstance(raw, dict) else {}
    decl = KpiDeclaration(kpi=str(kpi), source=source)
    decl.owner = str(raw["owner"]).strip() if raw.get("owner") else None
    decl.aligns_to = str(raw["aligns_to"]).strip() if raw.get("aligns_to") else None
    decl.level = str(raw.get("level") or ("team" if decl.aligns_to else "company")).lower()
    if decl.level not in ("company", "team"):
        decl.problems.append(f"level {decl.level!r} is neither company nor team")
    decl.direction = raw.get("direction")
    if raw.get("tolerance") is not None:
        amount = parse_amount(raw["tolerance"])
        if amount is None:
            decl.problems.append(f"tolerance {raw['tolerance']!r} is not a number")
        else:
            decl.tolerance = amount[0] / 100 if amount[1] else amount[0]
    decl.actions = [str(a) for a in _as_list(raw.get("actions")) if str(a).strip()]
    decl.targets = [_parse_target(t) for t in _as_list(raw.get("targets"))]
    if raw.get("plan") is not None:
        decl.plan = _parse_plan(raw["plan"])
    decl.allocations = [_parse_allocation(a) for a in _as_list(raw.get("allocation"))]
    return decl


def load_declarations(folder: Path | str | None = None) -> list[KpiDeclaration]:
    """Every KPI declared in `targets_dir/*.yml`. Two forms are read:
    `kpis: {<kpi_id>: {...}}` (the house form) and `kpis: [{kpi: <kpi_id>, ...}]`."""
    decls: list[KpiDeclaration] = []
    for path in sorted(Path(folder or targets_dir()).glob("*.y*ml")):
        doc = _read_yaml(path)
        entries = doc.get("kpis") or {}
        if isinstance(entries, dict):
            items = list(entries.items())
        else:
            items = [(e.get("kpi") or e.get("name") or "", e) for e in entries if isinstance(e, dict)]
        for kpi, raw in items:
            decls.append(parse_declaration(kpi, raw, source=path.name))
    return decls


def catalog_fields(folder: Path | str | None = None) -> dict[str, dict[str, str | None]]:
    """kpi_id -> {"owner", "aligns_to"}: what the publish step writes into kpi_catalog."""
    return {d.kpi: {"owner": d.owner, "aligns_to": d.aligns_to} for d in load_declarations(folder)}


@dataclass(frozen=True)
class KpiProfile:
    """What the cascade and scorecard need to know about a targeted KPI."""

    kpi_id: str
    direction: str | None
    is_flow: bool
    tolerance: float = DEFAULT_TOLERANCE


def kpi_profiles(
    declarations: list[KpiDeclaration],
    definitions: dict[str, KpiDefinition],
    flow_fallback: set[str] | None = None,
    direction_fallback: dict[str, str] | None = None,
) -> dict[str, KpiProfile]:
    """Direction and kind from the metric definition (a declaration may set a direction
    the metric lacks); `flow_fallback` / `direction_fallback` fill in KPIs whose YAML is
    not at hand (e.g. from kpi_values grains and kpi_catalog)."""
    profiles: dict[str, KpiProfile] = {}
    for d in declarations:
        definition = definitions.get(d.kpi)
        direction = d.direction or (definition.direction if definition else None)
        if direction in (None, "none") and direction_fallback:
            direction = direction_fallback.get(d.kpi, direction)
        if definition and definition.kind in ("flow", "stock", "ratio"):
            is_flow = definition.is_flow
        else:
            is_flow = d.kpi in (flow_fallback or set())
        profiles[d.kpi] = KpiProfile(d.kpi, direction, is_flow, d.tolerance)
    return profiles
