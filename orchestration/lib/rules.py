"""Every row rule of the contract, once, in the two forms the pipeline needs.

Each `Check` is one Great Expectations expectation of a table's suite (type, kwargs,
`meta.rule`) **and** the SQL predicate that is true for exactly the rows that break it.
Both are generated here from `lib/contract.py`, side by side, so they cannot drift:

- `gx_suites.py` writes the committed suites (`expectations/expectations/<table>.json`)
  from `checks(table)`; GX validates each new batch on its SQL engine in the warehouse
  (`lib/gx_duckdb.py`) and is the validator of record (its results are the asset
  checks and the Data Docs).
- `lib/ingest.py` evaluates the same predicates while it lands the rows, to mark each
  row with the rules it broke (`_row_rules`), and then requires that, per expectation,
  GX's unexpected count equals the number of rows the predicate marks (a disagreement
  stops the run: it would be a bug, never a silent difference).

The predicates read the *batch view* of a table (`batch_columns`): each contract column
as the trimmed string that landed (empty -> NULL), and for typed columns `<column>__v`,
the value parsed in SQL (NULL when the string does not parse). GX sees the same view.

SQL is written for DuckDB but kept to portable constructs (CASE, CAST, regexp match,
IS NULL, IN); the few DuckDB function names live in `_regex_match` and `parse_sql`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orchestration.lib import contract as ct

#: the column of the batch holding the load clock ("not in the future" is judged against it)
LOAD_CLOCK_COLUMN = "_load_clock"

#: typed storage of parsed values in the batch (DuckDB types)
PARSED_TYPES = {
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "int": "BIGINT",
    "decimal": "DOUBLE",
    "money": "DECIMAL(18,4)",
}


def typed(column: str) -> str:
    """Name of the parsed-value column next to a landed string column."""
    return f"{column}__v"


def max_discount(column: str) -> str:
    """The derived column `quantity × unit_price` a `le_product` rule compares with."""
    return f"{column}__max"


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: Any) -> str:
    """A SQL literal for a string or a number."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(float(value)) if isinstance(value, float) and not value.is_integer() else str(int(value))


def _regex_match(expr: str, regex: str) -> str:
    # The contract's regexes are anchored (^...$), so a search equals a full match (GX's
    # SQL engine uses PostgreSQL's `~`, pandas `str.contains`: both are searches).
    return f"regexp_matches({expr}, {lit(regex)})"


# --- parsing -------------------------------------------------------------------------------

# hh:mm without seconds gets ":00" so the cast accepts an offset after it
_TS_NORMALISE = r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2})([Z+-]|$)"


def parse_sql(typ: str, s: str) -> str:
    """SQL for the parsed value of the trimmed string `s` (NULL when it does not parse).

    Shapes are checked with the contract's regex first, so only ISO 8601 reaches a cast.
    Timestamps: an offset (Z, +hh, +hhmm, +hh:mm; none = UTC) is applied and the result is
    a naive UTC TIMESTAMP (fractions beyond microseconds are truncated).
    """
    ok = _regex_match(s, ct.TYPE_REGEX[typ])
    if typ == "date":
        return f"CASE WHEN {ok} THEN try_cast({s} AS DATE) END"
    if typ == "int":
        return f"CASE WHEN {ok} THEN CAST(regexp_extract({s}, '^[+-]?[0-9]+') AS BIGINT) END"
    if typ == "decimal":
        return f"CASE WHEN {ok} THEN try_cast({s} AS DOUBLE) END"
    if typ == "money":
        return f"CASE WHEN {ok} THEN CAST({s} AS DECIMAL(18,4)) END"
    if typ == "timestamp":
        normalised = f"regexp_replace(upper({s}), {lit(_TS_NORMALISE)}, '\\1:00\\2')"
        return f"CASE WHEN {ok} THEN timezone('UTC', try_cast({normalised} AS TIMESTAMPTZ)) END"
    raise ValueError(typ)


# --- the checks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One expectation of a table's suite and the SQL that finds the rows breaking it."""

    table: str
    index: int
    rule: str  # the rule in words (meta.rule; what meta.quarantine.rule says)
    gx_type: str
    gx_kwargs: dict[str, Any] = field(hash=False)
    fails_sql: str  # true for a row of the batch view that breaks the rule

    @property
    def gx_config(self) -> dict[str, Any]:
        return {"type": self.gx_type, "kwargs": self.gx_kwargs, "meta": {"rule": self.rule}}


def checks(t: ct.Table) -> list[Check]:
    """Every row-level check of a table, in a stable order (the suite's order)."""
    out: list[Check] = []

    def add(rule: str, gx_type: str, fails: str, **kwargs: Any) -> None:
        out.append(Check(t.name, len(out), rule, gx_type, kwargs, fails))

    def between(c: ct.Column) -> str:
        v = q(typed(c.name))
        conds = []
        if c.min is not None:
            conds.append(f"{v} {'>' if c.min_strict else '>='} {lit(c.min)}")
        if c.max is not None:
            conds.append(f"{v} <= {lit(c.max)}")
        return f"{v} IS NOT NULL AND NOT ({' AND '.join(conds)})"

    for c in t.columns:
        s = q(c.name)
        if not c.nullable:
            add(ct.required_rule(c), "expect_column_values_to_not_be_null", f"{s} IS NULL", column=c.name)
        if c.type in ct.TYPE_REGEX:
            regex = ct.TYPE_REGEX[c.type]
            add(
                ct.type_rule(c),
                "expect_column_values_to_match_regex",
                f"{s} IS NOT NULL AND NOT {_regex_match(s, regex)}",
                column=c.name,
                regex=regex,
            )
        if c.type in ("date", "timestamp"):
            # the regex checks the shape; this one checks the calendar (no 2024-02-30)
            add(
                ct.type_rule(c),
                "expect_column_values_to_not_be_null",
                f"{s} IS NOT NULL AND {q(typed(c.name))} IS NULL",
                column=typed(c.name),
                row_condition={"type": "nullity", "column": {"name": c.name}, "is_null": False},
            )
        if c.country:
            add(
                ct.country_rule(c),
                "expect_column_values_to_match_regex",
                f"{s} IS NOT NULL AND NOT {_regex_match(s, ct.COUNTRY_REGEX)}",
                column=c.name,
                regex=ct.COUNTRY_REGEX,
            )
        if c.allowed:
            values = ", ".join(lit(v) for v in c.allowed)
            add(
                ct.allowed_rule(c),
                "expect_column_values_to_be_in_set",
                f"{s} IS NOT NULL AND {s} NOT IN ({values})",
                column=c.name,
                value_set=list(c.allowed),
            )
        if c.min is not None or c.max is not None:
            kw: dict[str, Any] = {"column": typed(c.name)}
            if c.min is not None:
                kw["min_value"] = c.min
                kw["strict_min"] = c.min_strict
            if c.max is not None:
                kw["max_value"] = c.max
            add(ct.range_rule(c), "expect_column_values_to_be_between", between(c), **kw)
        if c.not_in_future:
            # judged against the clock at load time: each row carries its batch's load clock
            v = q(typed(c.name))
            add(
                ct.future_rule(c),
                "expect_column_pair_values_a_to_be_greater_than_b",
                f"{v} IS NOT NULL AND _load_clock IS NOT NULL AND NOT (_load_clock >= {v})",
                column_A=LOAD_CLOCK_COLUMN,
                column_B=typed(c.name),
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        if c.not_usd:
            add(
                ct.not_usd_rule(c),
                "expect_column_values_to_not_be_in_set",
                f"{s} IS NOT NULL AND {s} = 'USD'",
                column=c.name,
                value_set=["USD"],
            )
    for r in t.pair_rules:
        if r.kind == "requires":  # b must be present where a is
            add(
                r.text,
                "expect_column_values_to_not_be_null",
                f"{q(r.a)} IS NOT NULL AND {q(r.b)} IS NULL",
                column=r.b,
                row_condition={"type": "nullity", "column": {"name": r.a}, "is_null": False},
            )
            continue
        if r.kind in ("ge", "gt"):
            a, b = typed(r.a), typed(r.b)
        elif r.kind == "le":
            a, b = typed(r.b), typed(r.a)
        else:  # le_product: a ≤ b × c, i.e. (b × c) ≥ a
            a, b = max_discount(r.a), typed(r.a)
        op = ">" if r.kind == "gt" else ">="
        add(
            r.text,
            "expect_column_pair_values_a_to_be_greater_than_b",
            f"{q(a)} IS NOT NULL AND {q(b)} IS NOT NULL AND NOT ({q(a)} {op} {q(b)})",
            column_A=a,
            column_B=b,
            or_equal=r.kind != "gt",
            ignore_row_if="either_value_is_missing",
        )
    return out


# --- the batch: what GX and the predicates read ---------------------------------------------


def trimmed_sql(column: str, source: str = "") -> str:
    return f"nullif(trim({source}{q(column)}), '')"


def parsed_columns(t: ct.Table) -> list[tuple[str, str]]:
    """(name, SQL) of the parsed values and derived columns, over trimmed strings named as
    the contract columns."""
    out = [(typed(c.name), parse_sql(c.type, q(c.name))) for c in t.columns if c.type in PARSED_TYPES]
    for r in t.pair_rules:
        if r.kind == "le_product":
            out.append((max_discount(r.a), f"{q(typed(r.b))} * {q(typed(r.third))}"))  # type: ignore[arg-type]
    return out


def row_rules_sql(t: ct.Table) -> str:
    """SQL for the rules a row breaks (texts in check order, each once; [] when none)."""
    by_rule: dict[str, list[str]] = {}
    for c in checks(t):
        by_rule.setdefault(c.rule, []).append(f"({c.fails_sql})")
    items = ", ".join(f"CASE WHEN {' OR '.join(preds)} THEN {lit(rule)} END" for rule, preds in by_rule.items())
    return f"list_filter([{items}], x -> x IS NOT NULL)"


def counts_sql(t: ct.Table) -> str:
    """SELECT list counting, per check (in order), the rows that break it."""
    return ", ".join(f"count(*) FILTER (WHERE {c.fails_sql}) AS c{c.index}" for c in checks(t))
