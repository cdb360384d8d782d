"""Every lint rule of targets.md, with a declaration that breaks it and one that does not."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from orchestration.lib.lint import format_report, lint
from orchestration.lib.targets import load_declarations, load_kpi_definitions, parse_declaration

FIXTURES = Path(__file__).parent / "fixtures"
DEFS = load_kpi_definitions(FIXTURES / "kpis")
AS_OF = dt.date(2026, 11, 21)
D = dt.date

GOOD = {
    "owner": "Dana",
    "level": "company",
    "actions": ["open a second region"],
    "targets": [{"period": "2026-11", "value": 1000}],
}


def findings(decls: dict[str, dict], kpi_values: pd.DataFrame | None = None):
    report = lint([parse_declaration(k, v) for k, v in decls.items()], DEFS, kpi_values, AS_OF)
    return {(f.kpi, f.severity, f.check) for f in report.findings}, report


def checks(decls, kpi_values=None) -> set[str]:
    return {c for _, _, c in findings(decls, kpi_values)[0]}


def test_a_good_kpi_has_no_findings():
    found, report = findings({"revenue": GOOD})
    assert found == set()
    assert "a good KPI" in format_report(report)


def test_make_a_lot_of_money_this_year_has_exactly_three_errors():
    decls = load_declarations(FIXTURES / "targets_bad")
    report = lint(decls, DEFS, None, AS_OF)
    assert sorted(f.check for f in report.errors) == ["measurable", "specific", "time_bound"]
    text = format_report(report)
    assert "3 errors" in text
    assert "no metric is called" in text  # not measurable
    assert "'a lot' is not a number" in text  # not specific
    assert "no date to reach it by" in text  # not time-bound


def test_not_measurable():
    assert "measurable" in checks({"revenu": GOOD})
    assert "measurable" not in checks({"revenue": GOOD})


def test_compound_plan_needs_positive_base_and_target():
    plan = {"base_year": 2025, "target_year": 2027}
    bad_base = {**GOOD, "plan": {**plan, "base_value": 0, "target_value": 100}}
    bad_target = {**GOOD, "plan": {**plan, "base_value": 100, "target_value": -5}}
    linear = {**GOOD, "plan": {**plan, "base_value": 0, "target_value": 100, "method": "linear"}}
    ok = {**GOOD, "plan": {**plan, "base_value": 50, "target_value": 100}}
    assert ("revenue", "error", "valid") in findings({"revenue": bad_base})[0]
    assert ("revenue", "error", "valid") in findings({"revenue": bad_target})[0]
    assert findings({"revenue": linear})[0] == set()
    assert findings({"revenue": ok})[0] == set()


def test_not_specific():
    assert "specific" in checks({"revenue": {**GOOD, "targets": [{"period": "2026-11"}]}})
    assert "specific" in checks({"revenue": {**GOOD, "targets": [{"period": "2026-11", "value": "lots"}]}})
    assert "specific" not in checks({"revenue": GOOD})


def test_not_time_bound():
    assert "time_bound" in checks({"revenue": {**GOOD, "targets": [{"value": 1000}]}})
    assert "time_bound" in checks({"revenue": {**GOOD, "targets": [{"period": "this year", "value": 1000}]}})
    assert "time_bound" not in checks({"revenue": {**GOOD, "targets": [{"deadline": "2026-12-15", "value": 1000}]}})


def test_no_target_at_all_is_neither_specific_nor_time_bound():
    assert {"specific", "time_bound"} <= checks({"revenue": {"owner": "Dana", "actions": ["x"]}})


def test_no_owner():
    assert "owned" in checks({"revenue": {k: v for k, v in GOOD.items() if k != "owner"}})
    assert "owned" not in checks({"revenue": GOOD})


def test_no_direction():
    assert "directional" in checks({"fx_mrr": GOOD})  # the metric's direction is none
    assert "directional" not in checks({"fx_mrr": {**GOOD, "direction": "up"}})


def test_team_kpi_must_align_to_a_kpi():
    team = {**GOOD, "level": "team"}
    assert ("leads", "error", "aligned") in findings({"revenue": GOOD, "leads": team})[0]
    assert ("leads", "error", "aligned") in findings({"revenue": GOOD, "leads": {**team, "aligns_to": "profit"}})[0]
    assert findings({"revenue": GOOD, "leads": {**team, "aligns_to": "revenue"}})[0] == set()


def test_alignment_cycle():
    found, _ = findings({"leads": {**GOOD, "aligns_to": "mrr"}, "mrr": {**GOOD, "aligns_to": "leads"}})
    assert {("leads", "error", "aligned"), ("mrr", "error", "aligned")} <= found


def test_not_actionable():
    bare = {k: v for k, v in GOOD.items() if k != "actions"}
    assert ("revenue", "warning", "actionable") in findings({"revenue": bare})[0]
    # a team KPI driving it counts as a driver child
    found, _ = findings({"revenue": bare, "leads": {**GOOD, "level": "team", "aligns_to": "revenue"}})
    assert ("revenue", "warning", "actionable") not in found


def test_allocation_must_add_up():
    alloc = {"period": "2026-11", "change": 1500, "parts": {"new_customers": 1100, "volume": 300, "price": 100}}
    assert "allocation" not in checks({"revenue": {**GOOD, "allocation": alloc}})
    # 1100 + 300 + 100 = 1500 ≠ 2000
    found, report = findings({"revenue": {**GOOD, "allocation": {**alloc, "change": 2000}}})
    assert ("revenue", "warning", "allocation") in found
    assert "= 1,500, but the targeted change is 2,000" in format_report(report)
    # the change may come from a delta target of the same period: +1500 matches
    delta = {**GOOD, "targets": [{"period": "2026-11", "value": "+1500"}]}
    assert "allocation" not in checks(
        {"revenue": {**delta, "allocation": {k: v for k, v in alloc.items() if k != "change"}}}
    )


def _leads_history() -> pd.DataFrame:
    # June is the first month with data (partial: 10); July..October: 100, 110, 105, 115.
    # Growth: Jul→Aug +10 %, Aug→Sep −4.5 %, Sep→Oct +9.5 %; best +10 % (June→July is left out).
    rows = [(D(2026, 6, 1), 10.0), (D(2026, 7, 1), 100.0), (D(2026, 8, 1), 110.0)]
    rows += [(D(2026, 9, 1), 105.0), (D(2026, 10, 1), 115.0)]
    frame = [("leads", "month", start, v, True) for start, v in rows]
    frame.append(("leads", "month", D(2026, 11, 1), 60.0, False))
    return pd.DataFrame(frame, columns=["kpi_id", "grain", "period_start", "value", "is_complete"])


def test_unrealistic_target_against_best_monthly_growth():
    history = _leads_history()
    # November 138 from October's 115: 138 / 115 = 1.20 → +20 % needed, best was +10 %
    found, report = findings({"leads": {**GOOD, "targets": [{"period": "2026-11", "value": 138}]}}, history)
    assert ("leads", "warning", "realistic") in found
    text = format_report(report)
    assert "20.0% per month" in text and "was 10.0%" in text
    # 120 / 115 = 1.043 → +4.3 % ≤ +10 %: realistic
    assert "realistic" not in checks({"leads": {**GOOD, "targets": [{"period": "2026-11", "value": 120}]}}, history)
    # December 140: two months from October: (140/115)^(1/2) = 1.1033 → +10.3 % > +10 %
    assert "realistic" in checks({"leads": {**GOOD, "targets": [{"period": "2026-12", "value": 140}]}}, history)


def test_unrealistic_plan_against_twice_the_historical_cagr():
    # years: 2023 partial (left out), 2024 1000, 2025 1100 → historical CAGR +10 %
    years = [(D(2023, 1, 1), 100.0), (D(2024, 1, 1), 1000.0), (D(2025, 1, 1), 1100.0)]
    history = pd.DataFrame(
        [("revenue", "year", s, v, True) for s, v in years],
        columns=["kpi_id", "grain", "period_start", "value", "is_complete"],
    )
    plan = {"base_year": 2025, "target_year": 2030}
    # 3x over 5 years: 3^(1/5) − 1 = 24.6 % a year > 2 × 10 %
    found, report = findings({"revenue": {**GOOD, "plan": {**plan, "target_value": "3x"}}}, history)
    assert ("revenue", "warning", "realistic") in found
    assert "+24.6% a year" in format_report(report) and "+10.0% a year" in format_report(report)
    # 2x: 2^(1/5) − 1 = 14.9 % ≤ 20 %
    assert "realistic" not in checks({"revenue": {**GOOD, "plan": {**plan, "target_value": "2x"}}}, history)


@pytest.mark.parametrize("folder", ["targets_bad"])
def test_lint_command_exits_1_on_errors(folder, capsys, tmp_path, monkeypatch):
    from orchestration.cli import main

    monkeypatch.setenv("KPI_HOME", str(tmp_path))
    monkeypatch.setenv("KPI_MODELS_DIR", str(FIXTURES / "kpis"))
    assert main(["lint", "--targets", str(FIXTURES / folder)]) == 1
    assert "3 errors" in capsys.readouterr().out


def test_lint_command_exits_0_when_clean(capsys, tmp_path, monkeypatch):
    from orchestration.cli import main

    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "k.yml").write_text(
        "kpis:\n  revenue:\n    owner: Dana\n    actions: [x]\n    targets:\n      - {period: 2026-11, value: 1000}\n"
    )
    monkeypatch.setenv("KPI_HOME", str(tmp_path))
    monkeypatch.setenv("KPI_MODELS_DIR", str(FIXTURES / "kpis"))
    assert main(["lint", "--targets", str(tmp_path / "t")]) == 0
    assert "a good KPI" in capsys.readouterr().out
