"""Deterministic demo landing zone: all 21 raw tables of the contract.

`write_demo_landing(out, start, end, scale, seed)` writes one sub-folder per
table. Event tables are split into one file per month of their event date
(`orders/orders_2024-05.csv`), dimension tables are one file each. Most files
are CSV; `accounts` is xlsx and `social_metrics` is Parquet, so all three
formats of the contract are exercised.

The data is clean (it breaks no contract rule) and deterministic: the same
arguments give byte-identical files. Every random stream is keyed by
(seed, table, month), and everything is simulated over whole calendar months
and only then cut at `start` and `end`. So for a fixed `start`, moving `end`
forward by a day leaves the files of earlier months unchanged, except where a
later date attribute becomes known (a delivery, a resolution, a termination,
a subscription's end): a nightly run is then a few new or restated files.

The story: a company that sells physical products (web, store, partner; USD,
EUR, GBP, JPY) and a subscription product launched at `start`, growing ~35 % a
year with a Q4 peak. Customers churn and come back, subscribers upgrade,
downgrade, churn and reactivate, JPY rates start three weeks after the first
JPY orders (a short unconvertible window), rates exist only on weekdays.

One module per domain (sales, marketing, finance, operations, customer, people), the
shared constants and helpers in `common`, the files in `writing`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.lib.demo.common import (
    _ACCOUNTS,
    _CURRENCIES,
    _PLANS,
    _PRICE_FACTOR,
    _SEGMENTS,
    COLUMNS,
    FILE_FORMATS,
    ORDER_LINES_PER_SCALE_YEAR,
    TABLES,
    _Ctx,
    _dates,
    _label,
    _timestamps,
)
from orchestration.lib.demo.customer import _nps, _tickets
from orchestration.lib.demo.finance import _fx, _gl_and_bank, _order_money
from orchestration.lib.demo.marketing import _campaigns, _leads, _marketing_spend, _social, _web_sessions
from orchestration.lib.demo.operations import _inventory, _production
from orchestration.lib.demo.people import _employees, _training
from orchestration.lib.demo.sales import _customer_universe, _orders, _products, _shipments, _subscriptions
from orchestration.lib.demo.writing import (
    _month_labels,
    _MonthWriter,
    _nps_frame,
    _orders_frame,
    _sessions_frame,
    _shipments_frame,
    _tickets_frame,
    _write_table,
)

__all__ = ["COLUMNS", "FILE_FORMATS", "ORDER_LINES_PER_SCALE_YEAR", "TABLES", "write_demo_landing"]


def write_demo_landing(
    out: Path,
    start: date,
    end: date,
    scale: float = 1.0,
    seed: int = 7,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Write the demo landing zone under `out` (one folder per table) and return
    the rows written per table, in the contract's order.

    Deterministic: the same arguments give byte-identical files. Files of the same
    name are overwritten (only when their content changed); other files are left alone.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    out = Path(out)
    ctx = _Ctx(start, end, scale, seed)
    ccy_names = np.array(_CURRENCIES, dtype=object)

    products = _products(ctx)
    prices = np.round(products["list_price"].to_numpy()[:, None] * _PRICE_FACTOR[None, :], 2)
    prices[:, 3] = np.round(prices[:, 3], -1)
    prod_ids = products["product_id"].to_numpy()

    u = _customer_universe(ctx)
    cust_ids = u["customer_id"].to_numpy()
    customers = u[u["signup"] <= ctx.end].sort_values(["signup", "customer_id"], kind="stable")

    subs = _subscriptions(ctx, u)
    subs = subs.sort_values(["valid_from", "subscription_id"], kind="stable")
    camps = _campaigns(ctx)
    spend = _marketing_spend(ctx, camps)
    counts: dict[str, int] = {}
    # The tables that follow the orders are written month by month: one month of orders,
    # lines, sessions, shipments, tickets and NPS responses in memory at a time.
    writer = _MonthWriter(out, counts)
    money = []
    for mk, orders_all, lines_all in _orders(ctx, u, prices, products):
        keep = ctx.in_range(orders_all["ts"].to_numpy())
        orders = orders_all[keep].reset_index(drop=True)
        lines = lines_all[lines_all["order_id"].isin(orders["order_id"])].reset_index(drop=True)
        label = _label(mk)
        writer.add("orders", _orders_frame(orders, cust_ids, ccy_names), _month_labels(orders["ts"].to_numpy()))
        writer.add("order_lines", lines.assign(product_id=prod_ids[lines["prod"].to_numpy()]), label)
        if len(orders_all) == 0:  # no order this month: nothing follows from orders either
            writer.flush(through=label)
            continue
        # only orders inside the window: an order before the start has no row to point at
        if len(orders):
            shipments = _shipments(ctx, orders)
            writer.add("shipments", _shipments_frame(shipments), _month_labels(shipments["shipped_at"].to_numpy()))
        sessions = _web_sessions(ctx, orders_all, u, camps)
        # a session may point only at an order that exists in this landing zone
        dangling = ~sessions["order_id"].isin(orders["order_id"]) & sessions["order_id"].notna()
        sessions = sessions.assign(order_id=sessions["order_id"].where(~dangling, None))
        writer.add("web_sessions", _sessions_frame(sessions), _month_labels(sessions["started_at"].to_numpy()))
        tickets = _tickets(ctx, orders_all, cust_ids)
        writer.add("support_tickets", _tickets_frame(tickets), _month_labels(tickets["opened_at"].to_numpy()))
        nps = _nps(ctx, orders_all, cust_ids)
        writer.add("nps_responses", _nps_frame(nps), _month_labels(nps["responded_at"].to_numpy()))
        om = _order_money(orders, lines, products)
        money.append(om[["day", "ccy", "net", "cogs", "status", "mk"]])
        writer.flush(through=label)  # later months' rows never land in this month's files
        if progress is not None:
            progress(f"orders of {label}", len(orders))
    writer.flush(through="9999-12")
    if progress is not None:
        for table in writer.pending:
            progress(table, counts[table])
    om = (
        pd.concat(money, ignore_index=True)
        if money
        else pd.DataFrame(columns=["day", "ccy", "net", "cogs", "status", "mk"])
    )
    leads = _leads(ctx, u, camps)
    social = _social(ctx)
    fx = _fx(ctx)
    emp = _employees(ctx)
    gl, bank = _gl_and_bank(ctx, om, subs, spend, emp)
    production = _production(ctx, len(products))
    inventory = _inventory(ctx, len(products))
    training = _training(ctx, emp)

    accounts = pd.DataFrame(_ACCOUNTS, columns=COLUMNS["accounts"])
    # (table, frame in contract columns, month label per row or None for one file)
    plan: list[tuple[str, pd.DataFrame, np.ndarray | None]] = [
        (
            "customers",
            pd.DataFrame(
                {
                    "customer_id": customers["customer_id"].to_numpy(),
                    "signup_date": _dates(customers["signup"].to_numpy()),
                    "country": customers["country"].to_numpy(),
                    "segment": _SEGMENTS[customers["segment"].to_numpy()],
                    "acquisition_channel": customers["acq"].to_numpy(),
                }
            ),
            None,
        ),
        ("products", products, None),
        (
            "subscription_periods",
            pd.DataFrame(
                {
                    "subscription_id": subs["subscription_id"].to_numpy(),
                    "customer_id": subs["customer_id"].to_numpy(),
                    "plan": np.array(_PLANS)[subs["tier"].to_numpy()],
                    "mrr": subs["mrr"].to_numpy(),
                    "currency": ccy_names[subs["ccy"].to_numpy()],
                    "valid_from": _dates(subs["valid_from"].to_numpy()),
                    "valid_to": _dates(subs["valid_to"].to_numpy()),
                }
            ),
            _month_labels(subs["valid_from"].to_numpy()),
        ),
        (
            "campaigns",
            pd.DataFrame(
                {
                    "campaign_id": camps["campaign_id"],
                    "campaign_name": camps["campaign_name"],
                    "channel": camps["channel"],
                    "start_date": _dates(camps["start"].to_numpy()),
                    "end_date": _dates(ctx.cut_date(camps["end"].to_numpy())),
                }
            ),
            None,
        ),
        (
            "marketing_spend",
            spend.assign(currency=ccy_names[spend["ccy"].to_numpy()]).assign(
                spend_date=_dates(spend["spend_date"].to_numpy())
            ),
            _month_labels(spend["spend_date"].to_numpy()),
        ),
        (
            "leads",
            leads.assign(
                created_at=_timestamps(leads["created_at"].to_numpy(), leads["offset"].to_numpy()),
                mql_at=_timestamps(leads["mql_at"].to_numpy()),
                sql_at=_timestamps(leads["sql_at"].to_numpy(), leads["offset"].to_numpy()),
            ),
            _month_labels(leads["created_at"].to_numpy()),
        ),
        (
            "social_metrics",
            social.assign(metric_date=[d.date() for d in pd.to_datetime(social["metric_date"])]),
            _month_labels(social["metric_date"].to_numpy()),
        ),
        ("accounts", accounts, None),
        (
            "gl_entries",
            gl.assign(
                posting_date=_dates(gl["posting_date"].to_numpy()),
                currency=ccy_names[gl["ccy"].to_numpy()],
            ),
            _month_labels(gl["posting_date"].to_numpy()),
        ),
        (
            "bank_transactions",
            bank.assign(
                booked_on=_dates(bank["booked_on"].to_numpy()),
                currency=ccy_names[bank["ccy"].to_numpy()],
            ),
            _month_labels(bank["booked_on"].to_numpy()),
        ),
        (
            "fx_rates",
            fx.assign(rate_date=_dates(fx["rate_date"].to_numpy())),
            _month_labels(fx["rate_date"].to_numpy()),
        ),
        (
            "production_runs",
            production.assign(
                product_id=prod_ids[production["prod"].to_numpy()],
                run_date=_dates(production["run_date"].to_numpy()),
            ),
            _month_labels(production["run_date"].to_numpy()),
        ),
        (
            "inventory_snapshots",
            inventory.assign(
                product_id=prod_ids[inventory["prod"].to_numpy()],
                snapshot_date=_dates(inventory["snapshot_date"].to_numpy()),
            ),
            _month_labels(inventory["snapshot_date"].to_numpy()),
        ),
        (
            "employees",
            emp.assign(
                hired_on=_dates(emp["hired_on"].to_numpy()),
                terminated_on=_dates(emp["terminated_on"].to_numpy()),
            ),
            _month_labels(emp["hired_on"].to_numpy()),
        ),
        (
            "training_records",
            training.assign(completed_on=_dates(training["completed_on"].to_numpy())),
            _month_labels(training["completed_on"].to_numpy()),
        ),
    ]
    for table, frame, months in plan:
        counts[table] = _write_table(out, table, frame, months)
        if progress is not None:
            progress(table, counts[table])
    return {t: counts[t] for t in TABLES}
