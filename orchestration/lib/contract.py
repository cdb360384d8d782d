"""The raw data contract (`shared/spec/raw-contract.md` v1.1) as data.

This module is the ONE machine-readable description of the 21 raw tables:
columns (contract name, contract type, nullable, rules), primary key in
contract order, foreign keys ("exists in"), event-date column and the rules
that span two columns of a row. The GX suites (`lib/gx_suites.py`), the SQL
key rules and the casting in `lib/ingest.py` are all generated from it; change
the contract here and regenerate the suites with
`python -m orchestration.lib.gx_suites`.

Rule texts are what users read in `meta.quarantine.rule`, so they are written
in words ("quantity must be ≥ 1").
"""

from __future__ import annotations

from dataclasses import dataclass

TYPES = ("id", "string", "date", "timestamp", "money", "currency", "int", "decimal")

#: contract type -> DuckDB type of the column in raw.<table> (docs/architecture.md, Layer 1)
DUCKDB_TYPES = {
    "id": "VARCHAR",
    "string": "VARCHAR",
    "currency": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "money": "DECIMAL(18,4)",
    "int": "BIGINT",
    "decimal": "DOUBLE",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = False
    allowed: tuple[str, ...] | None = None  # one of ...
    min: float | None = None
    min_strict: bool = False  # > min instead of >= min
    max: float | None = None
    country: bool = False  # ISO 3166-1 alpha-2 (format)
    not_in_future: bool = False  # judged against the load clock
    not_usd: bool = False
    references: str | None = None  # "exists in" <table> (its single-column primary key)

    def __post_init__(self) -> None:
        assert self.type in TYPES, self.type


@dataclass(frozen=True)
class PairRule:
    """A rule between two columns of one row.

    kind: ``ge`` (a ≥ b), ``gt`` (a > b), ``requires`` (a non-empty requires b
    non-empty), ``le_product`` (a ≤ b × c, with ``c`` in ``third``).
    Ordering rules are only judged when both values are present and parse.
    """

    a: str
    kind: str
    b: str
    third: str | None = None

    @property
    def text(self) -> str:
        if self.kind == "ge":
            return f"{self.a} must be ≥ {self.b}"
        if self.kind == "gt":
            return f"{self.a} must be > {self.b}"
        if self.kind == "le":
            return f"{self.a} must be ≤ {self.b}"
        if self.kind == "requires":
            return f"{self.a} requires {self.b}"
        if self.kind == "le_product":
            return f"{self.a} must be ≤ {self.b} × {self.third}"
        raise ValueError(self.kind)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    event_date: str | None = None  # a column of this table
    event_date_via: tuple[str, str, str] | None = None  # (fk column, parent table, parent column)
    pair_rules: tuple[PairRule, ...] = ()
    no_overlap: tuple[str, str, str] | None = None  # (group column, from, to exclusive)
    # the column that ends a row's validity (a subscription period's valid_to, an employee's
    # terminated_on): every use of the row on a day d tests d against it, so a row whose only
    # change is its end changes the days from the earlier of its two ends, not from its event date
    valid_until: str | None = None
    area: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.nullable)

    @property
    def foreign_keys(self) -> tuple[tuple[str, str, str], ...]:
        """(column, parent table, parent column) for every "exists in" rule."""
        out = []
        for c in self.columns:
            if c.references:
                parent = TABLES[c.references]
                assert len(parent.primary_key) == 1
                out.append((c.name, parent.name, parent.primary_key[0]))
        return tuple(out)

    @property
    def has_currency(self) -> bool:
        return any(c.type == "currency" for c in self.columns)

    @property
    def parents(self) -> tuple[str, ...]:
        """Tables whose accepted rows this table's SQL rules read."""
        out = {p for _, p, _ in self.foreign_keys}
        if self.has_currency and self.name != "fx_rates":
            out.add("fx_rates")
        return tuple(sorted(out))

    @property
    def pk_rule(self) -> str:
        return f"primary key ({', '.join(self.primary_key)}) repeated within one file"

    @property
    def description(self) -> str:
        ed = self.event_date or (
            f"{self.event_date_via[1]}.{self.event_date_via[2]}" if self.event_date_via else "none"
        )
        return (
            f"Accepted rows of the raw table `{self.name}` ({self.area}), loaded from "
            f"landing/{self.name}/ and validated against raw-contract.md. "
            f"Primary key ({', '.join(self.primary_key)}); event date: {ed}."
        )


# --- rule texts -------------------------------------------------------------------------

TYPE_RULES = {
    "date": "{c} must be a date YYYY-MM-DD",
    "timestamp": "{c} must be an ISO 8601 timestamp",
    "money": "{c} must be a number with at most 4 decimals",
    "int": "{c} must be a whole number",
    "decimal": "{c} must be a number",
    "currency": "{c} must be an ISO 4217 code (3 upper-case letters)",
}

TYPE_REGEX = {
    "date": r"^\d{4}-\d{2}-\d{2}$",
    "timestamp": (
        r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?"
        r"(Z|z|[+-]\d{2}(:?\d{2})?)?$"
    ),
    "money": r"^[+-]?\d{1,14}(\.\d{1,4})?$",
    "int": r"^[+-]?\d{1,15}(\.0+)?$",
    "decimal": r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$",
    "currency": r"^[A-Z]{3}$",
}
COUNTRY_REGEX = r"^[A-Z]{2}$"


def required_rule(c: Column) -> str:
    return f"{c.name} is required"


def type_rule(c: Column) -> str:
    return TYPE_RULES[c.type].format(c=c.name)


def country_rule(c: Column) -> str:
    return f"{c.name} must be an ISO 3166-1 alpha-2 code (2 upper-case letters)"


def allowed_rule(c: Column) -> str:
    return f"{c.name} must be one of {', '.join(c.allowed or ())}"


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def range_rule(c: Column) -> str:
    if c.min is not None and c.max is not None:
        return f"{c.name} must be between {_num(c.min)} and {_num(c.max)}"
    if c.min is not None:
        return f"{c.name} must be {'>' if c.min_strict else '≥'} {_num(c.min)}"
    return f"{c.name} must be ≤ {_num(c.max)}"  # type: ignore[arg-type]


def future_rule(c: Column) -> str:
    return f"{c.name} must not be in the future"


def not_usd_rule(c: Column) -> str:
    return f"{c.name} must not be USD"


def fk_rule(column: str, parent: str) -> str:
    return f"{column} must exist in {parent} (accepted rows)"


def currency_known_rule(column: str) -> str:
    return f"{column} must be USD or appear in fx_rates"


def overlap_rule(t: Table) -> str:
    return f"periods of one {t.no_overlap[0]} must not overlap"  # type: ignore[index]


# --- the 21 tables ------------------------------------------------------------------------

C = Column


def _t(name, area, cols, pk, **kw) -> Table:
    return Table(name=name, area=area, columns=tuple(cols), primary_key=tuple(pk), **kw)


_TABLE_LIST = [
    # Sales
    _t(
        "customers",
        "sales",
        [
            C("customer_id", "id"),
            C("signup_date", "date"),
            C("country", "string", country=True),
            C("segment", "string", allowed=("consumer", "smb", "enterprise")),
            C(
                "acquisition_channel",
                "string",
                allowed=("organic", "paid_search", "social", "email", "referral", "partner"),
            ),
        ],
        ["customer_id"],
    ),
    _t(
        "products",
        "sales",
        [
            C("product_id", "id"),
            C("product_name", "string"),
            C("category", "string"),
            C("unit_cost", "money", min=0),
            C("list_price", "money", min=0),
        ],
        ["product_id"],
    ),
    _t(
        "orders",
        "sales",
        [
            C("order_id", "id"),
            C("customer_id", "id", references="customers"),
            C("order_ts", "timestamp", not_in_future=True),
            C("channel", "string", allowed=("web", "store", "partner")),
            C("currency", "currency"),
            C("status", "string", allowed=("completed", "cancelled", "returned")),
        ],
        ["order_id"],
        event_date="order_ts",
    ),
    _t(
        "order_lines",
        "sales",
        [
            C("order_id", "id", references="orders"),
            C("line_number", "int", min=1),
            C("product_id", "id", references="products"),
            C("quantity", "int", min=1),
            C("unit_price", "money", min=0),
            C("discount_amount", "money", min=0),
        ],
        ["order_id", "line_number"],
        event_date_via=("order_id", "orders", "order_ts"),
        pair_rules=(PairRule("discount_amount", "le_product", "quantity", "unit_price"),),
    ),
    _t(
        "subscription_periods",
        "sales",
        [
            C("subscription_id", "id"),
            C("customer_id", "id", references="customers"),
            C("plan", "string"),
            C("mrr", "money", min=0),
            C("currency", "currency"),
            C("valid_from", "date"),
            C("valid_to", "date", nullable=True),
        ],
        ["subscription_id", "valid_from"],
        event_date="valid_from",
        pair_rules=(PairRule("valid_to", "gt", "valid_from"),),
        no_overlap=("subscription_id", "valid_from", "valid_to"),
        valid_until="valid_to",
    ),
    # Marketing
    _t(
        "campaigns",
        "marketing",
        [
            C("campaign_id", "id"),
            C("campaign_name", "string"),
            C(
                "channel",
                "string",
                allowed=("paid_search", "social", "email", "display", "affiliate"),
            ),
            C("start_date", "date"),
            C("end_date", "date", nullable=True),
        ],
        ["campaign_id"],
        pair_rules=(PairRule("end_date", "ge", "start_date"),),
    ),
    _t(
        "marketing_spend",
        "marketing",
        [
            C("campaign_id", "id", references="campaigns"),
            C("spend_date", "date"),
            C("amount", "money", min=0),
            C("currency", "currency"),
        ],
        ["campaign_id", "spend_date"],
        event_date="spend_date",
    ),
    _t(
        "web_sessions",
        "marketing",
        [
            C("session_id", "id"),
            C("visitor_id", "id"),
            C("started_at", "timestamp"),
            C("source", "string"),
            C("campaign_id", "id", nullable=True, references="campaigns"),
            C("pageviews", "int", min=1),
            C("order_id", "id", nullable=True, references="orders"),
        ],
        ["session_id"],
        event_date="started_at",
    ),
    _t(
        "leads",
        "marketing",
        [
            C("lead_id", "id"),
            C("created_at", "timestamp"),
            C("source", "string"),
            C("campaign_id", "id", nullable=True),
            C("mql_at", "timestamp", nullable=True),
            C("sql_at", "timestamp", nullable=True),
            C("customer_id", "id", nullable=True),
        ],
        ["lead_id"],
        event_date="created_at",
        pair_rules=(
            PairRule("mql_at", "ge", "created_at"),
            PairRule("sql_at", "ge", "mql_at"),
            PairRule("sql_at", "requires", "mql_at"),
        ),
    ),
    _t(
        "social_metrics",
        "marketing",
        [
            C("metric_date", "date"),
            C(
                "platform",
                "string",
                allowed=("linkedin", "instagram", "x", "facebook", "youtube", "tiktok"),
            ),
            C("followers", "int", min=0),
            C("impressions", "int", min=0),
            C("engagements", "int", min=0),
        ],
        ["metric_date", "platform"],
        event_date="metric_date",
        pair_rules=(PairRule("engagements", "le", "impressions"),),
    ),
    # Finance
    _t(
        "accounts",
        "finance",
        [
            C("account_code", "id"),
            C("account_name", "string"),
            C(
                "account_type",
                "string",
                allowed=(
                    "revenue",
                    "other_income",
                    "cogs",
                    "operating_expense",
                    "other_expense",
                    "tax",
                    "asset",
                    "liability",
                    "equity",
                ),
            ),
        ],
        ["account_code"],
    ),
    _t(
        "gl_entries",
        "finance",
        [
            C("entry_id", "id"),
            C("posting_date", "date"),
            C("account_code", "id", references="accounts"),
            C("amount", "money"),
            C("currency", "currency"),
        ],
        ["entry_id"],
        event_date="posting_date",
    ),
    _t(
        "bank_transactions",
        "finance",
        [
            C("transaction_id", "id"),
            C("booked_on", "date"),
            C("amount", "money"),
            C("currency", "currency"),
            C("category", "string", allowed=("operating", "investing", "financing")),
        ],
        ["transaction_id"],
        event_date="booked_on",
    ),
    _t(
        "fx_rates",
        "finance",
        [
            C("rate_date", "date"),
            C("currency", "currency", not_usd=True),
            C("usd_per_unit", "decimal", min=0, min_strict=True),
        ],
        ["rate_date", "currency"],
        event_date="rate_date",
    ),
    # Operations
    _t(
        "production_runs",
        "operations",
        [
            C("run_id", "id"),
            C("plant_id", "id"),
            C("product_id", "id", references="products"),
            C("run_date", "date"),
            C("planned_units", "int", min=0),
            C("produced_units", "int", min=0),
            C("defective_units", "int", min=0),
            C("downtime_minutes", "decimal", min=0),
        ],
        ["run_id"],
        event_date="run_date",
        pair_rules=(PairRule("defective_units", "le", "produced_units"),),
    ),
    _t(
        "inventory_snapshots",
        "operations",
        [
            C("snapshot_date", "date"),
            C("warehouse_id", "id"),
            C("product_id", "id", references="products"),
            C("on_hand_units", "int", min=0),
        ],
        ["snapshot_date", "warehouse_id", "product_id"],
        event_date="snapshot_date",
    ),
    _t(
        "shipments",
        "operations",
        [
            C("shipment_id", "id"),
            C("order_id", "id", references="orders"),
            C("promised_date", "date"),
            C("shipped_at", "timestamp"),
            C("delivered_at", "timestamp", nullable=True),
        ],
        ["shipment_id"],
        event_date="shipped_at",
        pair_rules=(PairRule("delivered_at", "ge", "shipped_at"),),
    ),
    # Customer
    _t(
        "support_tickets",
        "customer",
        [
            C("ticket_id", "id"),
            C("customer_id", "id", references="customers"),
            C("opened_at", "timestamp"),
            C("resolved_at", "timestamp", nullable=True),
            C("csat_score", "int", nullable=True, min=1, max=5),
        ],
        ["ticket_id"],
        event_date="opened_at",
        pair_rules=(PairRule("resolved_at", "ge", "opened_at"),),
    ),
    _t(
        "nps_responses",
        "customer",
        [
            C("response_id", "id"),
            C("customer_id", "id"),
            C("responded_at", "timestamp"),
            C("score", "int", min=0, max=10),
        ],
        ["response_id"],
        event_date="responded_at",
    ),
    # People
    _t(
        "employees",
        "people",
        [
            C("employee_id", "id"),
            C("department", "string"),
            C("hired_on", "date"),
            C("terminated_on", "date", nullable=True),
        ],
        ["employee_id"],
        event_date="hired_on",
        pair_rules=(PairRule("terminated_on", "ge", "hired_on"),),
        valid_until="terminated_on",
    ),
    _t(
        "training_records",
        "people",
        [
            C("record_id", "id"),
            C("employee_id", "id", references="employees"),
            C("completed_on", "date"),
            C("hours", "decimal", min=0, min_strict=True),
        ],
        ["record_id"],
        event_date="completed_on",
    ),
]

TABLES: dict[str, Table] = {t.name: t for t in _TABLE_LIST}


def load_order() -> list[str]:
    """All tables, parents (foreign keys, fx_rates for currencies) before children."""
    done: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        for p in TABLES[name].parents:
            visit(p)
        done.append(name)

    for name in TABLES:
        visit(name)
    return done


def row_rules(t: Table) -> list[str]:
    """Every row-level rule text of a table, in a stable order (what GX checks)."""
    out: list[str] = []
    for c in t.columns:
        if not c.nullable:
            out.append(required_rule(c))
        if c.type in TYPE_RULES:
            out.append(type_rule(c))
        if c.country:
            out.append(country_rule(c))
        if c.allowed:
            out.append(allowed_rule(c))
        if c.min is not None or c.max is not None:
            out.append(range_rule(c))
        if c.not_in_future:
            out.append(future_rule(c))
        if c.not_usd:
            out.append(not_usd_rule(c))
    out.extend(r.text for r in t.pair_rules)
    return out


def key_rules(t: Table) -> list[str]:
    """Rule texts of the cross-row/cross-table rules checked in SQL."""
    out = [t.pk_rule]
    out += [fk_rule(c, p) for c, p, _ in t.foreign_keys]
    out += [currency_known_rule(c.name) for c in t.columns if c.type == "currency"]
    if t.name == "fx_rates":
        out = out[:1]
    if t.no_overlap:
        out.append(overlap_rule(t))
    return out


assert len(TABLES) == 21
