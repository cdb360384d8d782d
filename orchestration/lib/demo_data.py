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
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

# Approximate order lines per unit of scale (kept in sync with the `kpi demo-data`
# help text; a test checks it).
ORDER_LINES_PER_SCALE_YEAR = 17_000

# The contract's tables and columns, in the contract's order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id", "signup_date", "country", "segment", "acquisition_channel"),
    "products": ("product_id", "product_name", "category", "unit_cost", "list_price"),
    "orders": ("order_id", "customer_id", "order_ts", "channel", "currency", "status"),
    "order_lines": (
        "order_id",
        "line_number",
        "product_id",
        "quantity",
        "unit_price",
        "discount_amount",
    ),
    "subscription_periods": (
        "subscription_id",
        "customer_id",
        "plan",
        "mrr",
        "currency",
        "valid_from",
        "valid_to",
    ),
    "campaigns": ("campaign_id", "campaign_name", "channel", "start_date", "end_date"),
    "marketing_spend": ("campaign_id", "spend_date", "amount", "currency"),
    "web_sessions": (
        "session_id",
        "visitor_id",
        "started_at",
        "source",
        "campaign_id",
        "pageviews",
        "order_id",
    ),
    "leads": ("lead_id", "created_at", "source", "campaign_id", "mql_at", "sql_at", "customer_id"),
    "social_metrics": ("metric_date", "platform", "followers", "impressions", "engagements"),
    "accounts": ("account_code", "account_name", "account_type"),
    "gl_entries": ("entry_id", "posting_date", "account_code", "amount", "currency"),
    "bank_transactions": ("transaction_id", "booked_on", "amount", "currency", "category"),
    "fx_rates": ("rate_date", "currency", "usd_per_unit"),
    "production_runs": (
        "run_id",
        "plant_id",
        "product_id",
        "run_date",
        "planned_units",
        "produced_units",
        "defective_units",
        "downtime_minutes",
    ),
    "inventory_snapshots": ("snapshot_date", "warehouse_id", "product_id", "on_hand_units"),
    "shipments": ("shipment_id", "order_id", "promised_date", "shipped_at", "delivered_at"),
    "support_tickets": ("ticket_id", "customer_id", "opened_at", "resolved_at", "csat_score"),
    "nps_responses": ("response_id", "customer_id", "responded_at", "score"),
    "employees": ("employee_id", "department", "hired_on", "terminated_on"),
    "training_records": ("record_id", "employee_id", "completed_on", "hours"),
}
TABLES: tuple[str, ...] = tuple(COLUMNS)
FILE_FORMATS = {"accounts": "xlsx", "social_metrics": "parquet"}  # everything else: csv

# Random stream ids. Never renumber: they key the generated data.
_S_PRODUCTS, _S_CUSTOMERS, _S_ORDERS, _S_SUBS, _S_SHIP, _S_SESSIONS = 1, 2, 3, 4, 5, 6
_S_CAMPAIGNS, _S_SPEND, _S_LEADS_CUST, _S_LEADS, _S_SOCIAL, _S_FX = 7, 8, 9, 10, 11, 12
_S_GL, _S_BANK, _S_PROD, _S_INV, _S_TICKETS, _S_NPS = 13, 14, 15, 16, 17, 18
_S_EMP, _S_TRAIN, _S_INV_INIT = 19, 20, 21

_DAY = np.timedelta64(1, "D")
_SEC = np.timedelta64(1, "s")
# Q4 peak (index 0 = January).
_SEASON = np.array([0.86, 0.80, 0.92, 0.95, 0.98, 0.94, 0.90, 0.94, 1.00, 1.08, 1.30, 1.50])
_MONTHLY_GROWTH = 1.025
_SIGNUPS_PER_DAY = 2.9  # at scale 1 in the start month
_PRE_START_MONTHS = 18  # an installed base of customers who signed up before `start`

_CURRENCIES = ("USD", "EUR", "GBP", "JPY")
_FX_BASE = {"EUR": 1.085, "GBP": 1.265, "JPY": 0.00672}
_FX_VOL = {"EUR": 0.0035, "GBP": 0.0040, "JPY": 0.0050}
_FX_DRIFT = {"EUR": 0.00004, "GBP": -0.00003, "JPY": -0.00006}
_FX_DECIMALS = {"EUR": 6, "GBP": 6, "JPY": 8}
_JPY_RATES_DELAY_DAYS = 21  # JPY rates start three weeks after `start`
_PRICE_FACTOR = np.array([1.0, 0.93, 0.80, 150.0])  # local list price per USD of list price
_MONEY_DECIMALS = np.array([2, 2, 2, 0])

_COUNTRIES = np.array(["US", "CA", "AU", "GB", "IE", "DE", "FR", "NL", "ES", "IT", "JP"])
_COUNTRY_W = np.array([0.36, 0.05, 0.04, 0.13, 0.02, 0.12, 0.08, 0.04, 0.03, 0.03, 0.10])
_COUNTRY_CCY = np.array([0, 0, 0, 2, 1, 1, 1, 1, 1, 1, 3])  # index into _CURRENCIES
_SEGMENTS = np.array(["consumer", "smb", "enterprise"])
_ACQ = np.array(["organic", "paid_search", "social", "email", "referral", "partner"])
_ACQ_W = np.array([0.34, 0.22, 0.14, 0.10, 0.12, 0.08])
_SEG_ORDER_RATE = np.array([0.32, 0.75, 1.3])  # repeat orders per active month

_PLANS = ("basic", "pro", "business", "enterprise")
_PLAN_PRICE = np.array(  # per currency (USD, EUR, GBP, JPY), per plan
    [[29, 99, 299, 990], [27, 92, 279, 920], [23, 79, 239, 790], [4400, 14800, 44800, 148000]],
    dtype=float,
)

_SOURCES = np.array(["organic", "direct", "referral", "paid_search", "social", "email", "display", "affiliate"])
_SOURCE_W = np.array([0.28, 0.20, 0.08, 0.20, 0.11, 0.08, 0.03, 0.02])
_CAMPAIGN_CHANNELS = ("paid_search", "social", "email", "display", "affiliate")

_PLATFORMS = ("linkedin", "instagram", "x", "facebook", "youtube", "tiktok")
_DEPARTMENTS = np.array(["Engineering", "Sales", "Marketing", "Operations", "Support", "Finance", "People"])
_DEPARTMENT_W = np.array([0.28, 0.18, 0.10, 0.20, 0.14, 0.06, 0.04])

_ACCOUNTS = (
    ("1000", "Cash and cash equivalents", "asset"),
    ("1200", "Accounts receivable", "asset"),
    ("1300", "Inventory", "asset"),
    ("1500", "Equipment", "asset"),
    ("2000", "Accounts payable", "liability"),
    ("2100", "Bank loan", "liability"),
    ("3000", "Share capital", "equity"),
    ("3100", "Retained earnings", "equity"),
    ("4000", "Product sales", "revenue"),
    ("4100", "Subscription revenue", "revenue"),
    ("4500", "Interest income", "other_income"),
    ("5000", "Cost of goods sold", "cogs"),
    ("5100", "Freight and fulfilment", "cogs"),
    ("6000", "Salaries and wages", "operating_expense"),
    ("6100", "Marketing", "operating_expense"),
    ("6200", "Rent", "operating_expense"),
    ("6300", "Software", "operating_expense"),
    ("6400", "Travel", "operating_expense"),
    ("7000", "Interest expense", "other_expense"),
    ("7100", "Foreign exchange losses", "other_expense"),
    ("8000", "Income tax", "tax"),
)


# --------------------------------------------------------------------------- helpers


def _mk(d: np.datetime64) -> int:
    """Month key: months since 1970-01 (so `mk % 12` is the calendar month, 0 = Jan)."""
    return int(np.datetime64(d, "M").astype(np.int64))


def _mstart(mk: int) -> np.datetime64:
    return np.datetime64(mk, "M").astype("datetime64[D]")


def _mdays(mk: int) -> int:
    return int((_mstart(mk + 1) - _mstart(mk)) / _DAY)


def _label(mk: int) -> str:
    return str(np.datetime64(mk, "M"))


def _weekday(d: np.ndarray) -> np.ndarray:
    """0 = Monday."""
    return (d.astype("datetime64[D]").astype(np.int64) + 3) % 7


def _dates(d: np.ndarray) -> np.ndarray:
    """ISO dates as an object array, NaT -> None."""
    d = np.asarray(d, dtype="datetime64[D]")
    out = np.datetime_as_string(d, unit="D").astype(object)
    out[np.isnat(d)] = None
    return out


def _timestamps(ts: np.ndarray, offset: np.ndarray | None = None) -> np.ndarray:
    """ISO 8601 timestamps with `Z`; where `offset` is set, the same instant as `+02:00`.

    The offset is only used when it keeps the local calendar date equal to the UTC
    date (UTC hour < 22), so a date read naively off the string is still right.
    """
    ts = np.asarray(ts, dtype="datetime64[s]")
    nat = np.isnat(ts)
    out = np.datetime_as_string(ts, unit="s").astype(object) + "Z"
    if offset is not None:
        safe = np.where(nat, np.datetime64(0, "s"), ts)
        hour = (safe - safe.astype("datetime64[D]")) // np.timedelta64(1, "h")
        use = offset & ~nat & (hour < 22)
        if use.any():
            local = np.datetime_as_string(ts[use] + np.timedelta64(2, "h"), unit="s")
            out[use] = local.astype(object) + "+02:00"
    out[nat] = None
    return out


def _money(x: np.ndarray, decimals: np.ndarray | int = 2) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if np.isscalar(decimals) or np.ndim(decimals) == 0:
        return np.round(x, int(decimals)) + 0.0
    out = np.round(x, 2)
    zero = np.asarray(decimals) == 0
    out[zero] = np.round(x[zero], 0)
    return out + 0.0  # no "-0.0"


def _group_seq(keys: np.ndarray) -> np.ndarray:
    """1-based position of each element within its run of equal consecutive keys."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[True, keys[1:] != keys[:-1]]
    idx = np.arange(n)
    first = np.maximum.accumulate(np.where(starts, idx, 0))
    return idx - first + 1


def _ids(prefix: str, seq: np.ndarray, width: int) -> np.ndarray:
    return np.array([f"{prefix}{int(s):0{width}d}" for s in seq], dtype=object)


class _Ctx:
    def __init__(self, start: date, end: date, scale: float, seed: int):
        self.start = np.datetime64(start, "D")
        self.end = np.datetime64(end, "D")
        self.start_ts = self.start.astype("datetime64[s]")
        self.end_ts = (self.end + _DAY).astype("datetime64[s]") - _SEC  # 23:59:59 of `end`
        self.scale = float(scale)
        self.seed = int(seed)
        self.mk0 = _mk(self.start)
        self.mk1 = _mk(self.end)

    def rng(self, stream: int, *key: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, stream, *[int(k) for k in key]])

    def months(self, before: int = 0, after: int = 0) -> range:
        return range(self.mk0 - before, self.mk1 + 1 + after)

    def growth(self, mk: int) -> float:
        return _MONTHLY_GROWTH ** (mk - self.mk0)

    def in_range(self, d: np.ndarray) -> np.ndarray:
        d = np.asarray(d)
        if d.dtype == np.dtype("datetime64[s]"):
            return (d >= self.start_ts) & (d <= self.end_ts)
        return (d >= self.start) & (d <= self.end)

    def cut_ts(self, ts: np.ndarray) -> np.ndarray:
        """A later date attribute after `end` is not known yet: NaT."""
        ts = np.array(ts, dtype="datetime64[s]")
        ts[ts > self.end_ts] = np.datetime64("NaT")
        return ts

    def cut_date(self, d: np.ndarray) -> np.ndarray:
        d = np.array(d, dtype="datetime64[D]")
        d[d > self.end] = np.datetime64("NaT")
        return d


def _day_weights(mk: int, weekend: float) -> np.ndarray:
    days = _mstart(mk) + np.arange(_mdays(mk)) * _DAY
    w = np.where(_weekday(days) >= 5, weekend, 1.0)
    return w / w.sum()


def _time_of_day(r: np.random.Generator, n: int) -> np.ndarray:
    secs = r.normal(14.5 * 3600, 4.5 * 3600, n)
    secs = np.where((secs < 0) | (secs >= 86400), r.uniform(0, 86400, n), secs)
    return secs.astype(np.int64) * _SEC


# --------------------------------------------------------------------------- sales


def _products(ctx: _Ctx) -> pd.DataFrame:
    r = np.random.default_rng([ctx.seed, _S_PRODUCTS])
    cats = ["Apparel", "Footwear", "Accessories", "Home", "Electronics", "Outdoor"]
    nouns = {
        "Apparel": ["Hoodie", "Tee", "Jacket", "Chinos", "Sweater", "Parka", "Polo"],
        "Footwear": ["Trail Runner", "Sneaker", "Boot", "Sandal", "Loafer", "Slipper"],
        "Accessories": ["Backpack", "Wallet", "Cap", "Belt", "Scarf", "Watch strap", "Tote"],
        "Home": ["Mug", "Blanket", "Lamp", "Cushion", "Candle", "Planter", "Kettle"],
        "Electronics": ["Headphones", "Speaker", "Charger", "Power bank", "Earbuds", "Hub"],
        "Outdoor": ["Tent", "Sleeping bag", "Bottle", "Headlamp", "Stove", "Camp chair"],
    }
    base_price = {
        "Apparel": 55,
        "Footwear": 110,
        "Accessories": 40,
        "Home": 35,
        "Electronics": 140,
        "Outdoor": 90,
    }
    adjectives = ["Classic", "Urban", "Summit", "Nordic", "Everyday", "Pro"]
    rows = []
    n = 0
    for cat in cats:
        for noun in nouns[cat]:
            n += 1
            adj = adjectives[n % len(adjectives)]
            price = base_price[cat] * r.lognormal(0.0, 0.45)
            list_price = round(max(4.0, price)) - 0.01
            unit_cost = round(list_price * r.uniform(0.32, 0.58), 2)
            rows.append((f"P{n:03d}", f"{adj} {noun}", cat, unit_cost, list_price))
    return pd.DataFrame(rows, columns=COLUMNS["products"])


def _customer_universe(ctx: _Ctx) -> pd.DataFrame:
    """All customers of the months [start - 18 months, end + 2 months], with their
    behaviour. The months after `end` exist only so that leads created before `end`
    for customers who sign up later are stable; those customers are not written."""
    parts = []
    for mk in ctx.months(before=_PRE_START_MONTHS, after=2):
        r = ctx.rng(_S_CUSTOMERS, mk)
        nd = _mdays(mk)
        pre = 0.55 if mk < ctx.mk0 else 1.0
        lam = _SIGNUPS_PER_DAY * ctx.scale * ctx.growth(mk) * _SEASON[mk % 12] ** 0.5 * nd * pre
        k = int(r.poisson(lam))
        day = np.sort(r.integers(0, nd, k))
        country = r.choice(len(_COUNTRIES), k, p=_COUNTRY_W)
        segment = r.choice(3, k, p=[0.74, 0.21, 0.05])
        acq = r.choice(len(_ACQ), k, p=_ACQ_W)
        w = r.lognormal(-0.18, 0.6, k) * _SEG_ORDER_RATE[segment]
        life1 = r.geometric(0.11, k)
        comeback = r.random(k) < 0.32
        gap = r.integers(2, 9, k)
        life2 = r.geometric(0.16, k)
        first = r.random(k) < 0.9
        label = _label(mk).replace("-", "")
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": _ids(f"C-{label}-", np.arange(1, k + 1), 4),
                    "signup": _mstart(mk) + day * _DAY,
                    "smk": mk,
                    "country": _COUNTRIES[country],
                    "ccy": _COUNTRY_CCY[country],
                    "segment": segment,
                    "acq": _ACQ[acq],
                    "w": w,
                    "life1": life1,
                    "comeback": comeback,
                    "gap": gap,
                    "life2": life2,
                    "first": first,
                    "demo": False,
                }
            )
        )
    # Hand-made customers that guarantee the hard cases even at tiny scales (see
    # _demo_subscriptions): a GBP subscriber who changes plan and comes back, a EUR
    # subscriber who reactivates, a JPY customer ordering before JPY rates exist.
    demo = pd.DataFrame(
        {
            "customer_id": ["C-DEMO-01", "C-DEMO-02", "C-DEMO-03"],
            "signup": [ctx.start] * 3,
            "smk": ctx.mk0,
            "country": ["GB", "DE", "JP"],
            "ccy": [2, 1, 3],
            "segment": [1, 1, 2],
            "acq": ["referral", "partner", "partner"],
            "w": [0.8, 0.8, 1.0],
            "life1": [4, 2, 12],
            "comeback": [True, True, False],
            "gap": [2, 2, 2],
            "life2": [12, 12, 1],
            "first": True,
            "demo": True,
        }
    )
    u = pd.concat([demo] + parts, ignore_index=True)
    u["signup"] = u["signup"].to_numpy().astype("datetime64[D]")
    return u


def _orders(ctx: _Ctx, u: pd.DataFrame, prices: np.ndarray, products: pd.DataFrame):
    """Orders and their lines, month by month: yields (month key, orders, lines) with helper
    columns (ts as datetime64, customer index, ...). One month in memory at a time."""
    signup = u["signup"].to_numpy()
    smk = u["smk"].to_numpy()
    first = u["first"].to_numpy()
    w = u["w"].to_numpy()
    life1 = u["life1"].to_numpy()
    comeback = u["comeback"].to_numpy()
    gap = u["gap"].to_numpy()
    life2 = u["life2"].to_numpy()
    ccy = u["ccy"].to_numpy()
    segment = u["segment"].to_numpy()
    demo = u["demo"].to_numpy()
    n_products = len(products)
    popularity = 1.0 / np.arange(1, n_products + 1) ** 0.7
    popularity = np.random.default_rng([ctx.seed, _S_PRODUCTS, 1]).permutation(popularity)
    popularity /= popularity.sum()
    for mk in ctx.months():
        r = ctx.rng(_S_ORDERS, mk)
        ms, nd = _mstart(mk), _mdays(mk)
        # first orders of this month's signups, soon after signing up
        fsel = np.flatnonzero((smk == mk) & first & (signup >= ctx.start))
        sday = ((signup[fsel] - ms) / _DAY).astype(np.int64)
        fday = sday + np.floor(r.random(len(fsel)) ** 2 * (nd - sday)).astype(np.int64)
        # repeat orders of earlier customers inside one of their active windows
        k = mk - smk
        active = (k >= 1) & ((k <= life1) | (comeback & (k > life1 + gap) & (k <= life1 + gap + life2)))
        asel = np.flatnonzero(active)
        month_noise = r.lognormal(0.0, 0.06)
        n_rep = r.poisson(w[asel] * _SEASON[mk % 12] * month_noise)
        rcust = np.repeat(asel, n_rep)
        rday = r.choice(nd, len(rcust), p=_day_weights(mk, 1.15))
        cust = np.r_[fsel, rcust]
        day = np.r_[fday, rday]
        ts = (ms + day * _DAY).astype("datetime64[s]") + _time_of_day(r, len(cust))
        order = np.lexsort((cust, ts))
        cust, ts = cust[order], ts[order]
        n = len(cust)
        label = _label(mk).replace("-", "")
        oid = _ids(f"O-{label}-", np.arange(1, n + 1), 5)
        channel = np.array(["web", "store", "partner"])[r.choice(3, n, p=[0.64, 0.26, 0.10])]
        status_p = [0.88, 0.06, 0.06]
        status = np.array(["completed", "cancelled", "returned"])[r.choice(3, n, p=status_p)]
        status[demo[cust] & (mk == ctx.mk0)] = "completed"
        offset = r.random(n) < 0.05
        # lines
        n_lines = 1 + np.minimum(r.poisson(1.15, n), 5)
        li_order = np.repeat(np.arange(n), n_lines)
        line_no = _group_seq(li_order)
        m = len(li_order)
        prod = r.choice(n_products, m, p=popularity)
        qty = 1 + r.poisson(0.45, m) + (segment[cust[li_order]] == 2) * r.poisson(2.0, m)
        li_ccy = ccy[cust[li_order]]
        years = ((ts[li_order] - ctx.start_ts) // np.timedelta64(365, "D")).astype(np.int64)
        uplift = np.array([1.0, 1.04, 1.04 * 1.03, 1.04 * 1.03 * 1.03, 1.04 * 1.03**3])
        unit_price = _money(prices[prod, li_ccy] * uplift[np.clip(years, 0, 4)], _MONEY_DECIMALS[li_ccy])
        has_disc = r.random(m) < 0.18
        pct = r.uniform(0.05, 0.30, m)
        discount = np.where(has_disc, _money(pct * qty * unit_price, _MONEY_DECIMALS[li_ccy]), 0.0)
        month_orders = pd.DataFrame(
            {
                "order_id": oid,
                "cust": cust,
                "ts": ts,
                "channel": channel,
                "ccy": ccy[cust],
                "status": status,
                "offset": offset,
                "mk": mk,
            }
        )
        month_orders["ts"] = month_orders["ts"].to_numpy().astype("datetime64[s]")
        month_lines = pd.DataFrame(
            {
                "order_id": oid[li_order],
                "line_number": line_no,
                "prod": prod,
                "quantity": qty,
                "unit_price": unit_price,
                "discount_amount": discount,
            }
        )
        yield mk, month_orders, month_lines


def _subscriptions(ctx: _Ctx, u: pd.DataFrame) -> pd.DataFrame:
    """Subscription periods. Each customer's whole subscription life is drawn at
    signup (a fixed number of draws), then cut at `end`."""
    n_seg = 12
    rows: list[tuple] = []
    launch = ctx.start
    for mk, grp in u[~u["demo"]].groupby("smk", sort=True):
        r = ctx.rng(_S_SUBS, mk)
        k = len(grp)
        seg = grp["segment"].to_numpy()
        is_sub = r.random(k) < np.array([0.06, 0.4, 0.7])[seg]
        delay = r.integers(0, 26, k)
        late_start = r.integers(0, 90, k)
        tier0 = np.where(
            seg == 0, r.random(k) < 0.3, np.where(seg == 1, 1 + (r.random(k) < 0.4), 2 + (r.random(k) < 0.5))
        ).astype(np.int64)
        seats0 = np.where(seg == 2, r.integers(1, 5, k), np.where(seg == 1, r.integers(1, 3, k), 1))
        dur = 20 + r.exponential(230, (k, n_seg)).astype(np.int64)
        event = r.choice(5, (k, n_seg), p=[0.22, 0.12, 0.16, 0.08, 0.42])
        back = r.random((k, n_seg)) < 0.35
        gap = r.integers(25, 240, (k, n_seg))
        new_id = r.random((k, n_seg)) < 0.5
        cids = grp["customer_id"].to_numpy()
        ccys = grp["ccy"].to_numpy()
        signups = grp["signup"].to_numpy()
        for i in np.flatnonzero(is_sub):
            t = signups[i] + int(delay[i]) * _DAY
            if t < launch:
                t = launch + int(late_start[i]) * _DAY
            cid, ccy = cids[i], int(ccys[i])
            n_sub = 1
            tier, seats, uplift = int(tier0[i]), int(seats0[i]), 1.0
            for j in range(n_seg):
                if t > ctx.end:
                    break
                t_end = t + int(dur[i, j]) * _DAY
                mrr = _PLAN_PRICE[ccy, tier] * seats * uplift
                ev = int(event[i, j])
                last = j == n_seg - 1 or (ev == 4 and not back[i, j])
                rows.append((f"S-{cid[2:]}-{n_sub}", cid, tier, mrr, ccy, t, None if last and ev != 4 else t_end))
                if ev == 4:  # churn
                    if not back[i, j]:
                        break
                    t = t_end + int(gap[i, j]) * _DAY
                    if new_id[i, j]:
                        n_sub += 1
                    tier, seats, uplift = max(0, tier - 1), max(1, seats // 2), 1.0
                    continue
                if ev == 0 and tier < 3:
                    tier += 1
                elif ev == 1 and tier > 0:
                    tier -= 1
                elif ev == 2 or (ev == 0 and tier == 3):
                    seats += 1 + seats // 3
                elif ev == 3 and seats > 1:
                    seats -= 1 + seats // 4
                else:  # nothing to move down: an annual price uplift
                    uplift *= 1.05
                t = t_end
    rows += _demo_subscriptions(ctx)
    df = pd.DataFrame(rows, columns=["subscription_id", "customer_id", "tier", "mrr", "ccy", "valid_from", "valid_to"])
    df["valid_from"] = df["valid_from"].to_numpy().astype("datetime64[D]")
    df["valid_to"] = pd.to_datetime(df["valid_to"]).to_numpy().astype("datetime64[D]")
    df["mrr"] = _money(df["mrr"].to_numpy(), _MONEY_DECIMALS[df["ccy"].to_numpy()])
    df = df[df["valid_from"] <= ctx.end].copy()
    df["valid_to"] = ctx.cut_date(df["valid_to"].to_numpy())
    return df


def _demo_subscriptions(ctx: _Ctx) -> list[tuple]:
    s = ctx.start
    d = lambda n: s + n * _DAY  # noqa: E731
    return [
        # GBP: pro, upgraded mid-month to business, downgraded, churned, back on a new id
        ("S-DEMO-01-1", "C-DEMO-01", 1, 79.0, 2, d(3), d(47)),
        ("S-DEMO-01-1", "C-DEMO-01", 2, 239.0, 2, d(47), d(75)),
        ("S-DEMO-01-1", "C-DEMO-01", 1, 79.0, 2, d(75), d(110)),
        ("S-DEMO-01-2", "C-DEMO-01", 0, 23.0, 2, d(150), None),
        # EUR: business, churned, reactivated on the same subscription at a lower plan
        ("S-DEMO-02-1", "C-DEMO-02", 2, 279.0, 1, d(10), d(58)),
        ("S-DEMO-02-1", "C-DEMO-02", 1, 92.0, 1, d(95), None),
        # JPY enterprise from the first days (converted once JPY rates exist)
        ("S-DEMO-03-1", "C-DEMO-03", 3, 148000.0, 3, d(2), None),
    ]


def _shipments(ctx: _Ctx, orders: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for mk, grp in orders.groupby("mk", sort=True):
        r = ctx.rng(_S_SHIP, mk)
        n = len(grp)
        ts = grp["ts"].to_numpy()
        promised = ts.astype("datetime64[D]") + r.integers(3, 7, n) * _DAY
        shipped = ts + (r.uniform(2, 60, n) * 3600).astype(np.int64) * _SEC
        transit_h = r.lognormal(np.log(40), 0.45, n)
        transit_h += np.where(r.random(n) < 0.06, r.uniform(48, 150, n), 0.0)  # late ones
        delivered = shipped + (transit_h * 3600).astype(np.int64) * _SEC
        lost = r.random(n) < 0.004
        delivered[lost] = np.datetime64("NaT")
        ship = (grp["channel"].to_numpy() != "store") & (grp["status"].to_numpy() != "cancelled")
        parts.append(
            pd.DataFrame(
                {
                    "shipment_id": "SH-" + grp["order_id"].to_numpy()[ship].astype(object),
                    "order_id": grp["order_id"].to_numpy()[ship],
                    "promised_date": promised[ship],
                    "shipped_at": shipped[ship],
                    "delivered_at": delivered[ship],
                }
            )
        )
    df = pd.concat(parts, ignore_index=True)
    df = df[ctx.in_range(df["shipped_at"].to_numpy())].copy()
    df["delivered_at"] = ctx.cut_ts(df["delivered_at"].to_numpy())
    return df.sort_values(["shipped_at", "shipment_id"], kind="stable")


# --------------------------------------------------------------------------- marketing


def _campaigns(ctx: _Ctx) -> pd.DataFrame:
    rows = [
        ("CMP-BRAND", "Brand search (always on)", "paid_search", ctx.start, None, 0, 260.0, 0, 0),
        ("CMP-NEWS", "Newsletter (always on)", "email", ctx.start, None, 1, 35.0, 0, 1),
    ]
    for qk in range(ctx.mk0 // 3, ctx.mk1 // 3 + 1):
        r = ctx.rng(_S_CAMPAIGNS, qk)
        qs = _mstart(qk * 3)
        year, quarter = int(str(qs)[:4]), (qk * 3 % 12) // 3 + 1
        for n in range(1, 4):
            channel = _CAMPAIGN_CHANNELS[int(r.choice(5, p=[0.3, 0.3, 0.15, 0.15, 0.1]))]
            start = qs + int(r.integers(0, 60)) * _DAY
            end = start + int(r.integers(14, 90)) * _DAY
            ccy = int(r.choice(3, p=[0.6, 0.25, 0.15]))
            budget = float(r.uniform(60, 420))
            name = f"{year} Q{quarter} {channel.replace('_', ' ')} push {n}"
            if quarter == 4 and n == 1:
                name = f"{year} Black Friday {channel.replace('_', ' ')}"
                start = max(qs, _mstart(qk * 3 + 1) + 14 * _DAY)
                end = start + 21 * _DAY
                budget *= 2.5
            rows.append((f"CMP-{year}Q{quarter}-{n}", name, channel, start, end, ccy, budget, qk, n + 1))
    df = pd.DataFrame(
        rows,
        columns=["campaign_id", "campaign_name", "channel", "start", "end", "ccy", "budget", "qk", "n"],
    )
    df["start"] = df["start"].to_numpy().astype("datetime64[D]")
    df["end"] = pd.to_datetime(df["end"]).to_numpy().astype("datetime64[D]")
    df["start"] = np.maximum(df["start"].to_numpy(), ctx.start)
    return df[df["start"] <= ctx.end].reset_index(drop=True)


def _assign_campaigns(
    r: np.random.Generator, days: np.ndarray, sources: np.ndarray, camps: pd.DataFrame, p: float
) -> np.ndarray:
    """A campaign of the row's channel running on its day (picked at random among
    those), or None. Two draws per row, whatever the number of campaigns, so the
    assignment of earlier rows does not change when later campaigns appear."""
    n = len(days)
    u = r.random(n)
    use = r.random(n) < p
    out = np.full(n, None, dtype=object)
    if n == 0 or len(camps) == 0:
        return out
    c_start = camps["start"].to_numpy().astype("datetime64[D]")
    c_end = camps["end"].to_numpy().astype("datetime64[D]")
    c_end = np.where(np.isnat(c_end), np.datetime64("2999-12-31"), c_end)
    c_chan = pd.Categorical(camps["channel"], categories=_CAMPAIGN_CHANNELS).codes
    s_chan = pd.Categorical(sources, categories=_CAMPAIGN_CHANNELS).codes
    days = np.asarray(days, dtype="datetime64[D]")
    ok = (
        (s_chan[:, None] == c_chan[None, :])
        & (s_chan[:, None] >= 0)
        & (days[:, None] >= c_start[None, :])
        & (days[:, None] <= c_end[None, :])
    )
    count = ok.sum(axis=1)
    k = np.floor(u * count).astype(np.int64) + 1
    col = np.argmax(ok & (ok.cumsum(axis=1) == k[:, None]), axis=1)
    has = (count > 0) & use
    out[has] = camps["campaign_id"].to_numpy()[col[has]]
    return out


def _marketing_spend(ctx: _Ctx, camps: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for mk in ctx.months():
        ms, nd = _mstart(mk), _mdays(mk)
        days = ms + np.arange(nd) * _DAY
        c_start = camps["start"].to_numpy().astype("datetime64[D]")
        c_end = camps["end"].to_numpy().astype("datetime64[D]")
        c_end = np.where(np.isnat(c_end), np.datetime64("2999-12-31"), c_end)
        for i, c in enumerate(camps.itertuples(index=False)):
            r = ctx.rng(_S_SPEND, mk, c.qk, c.n)
            noise = r.lognormal(0.0, 0.25, nd)
            live = (days >= c_start[i]) & (days <= c_end[i]) & ctx.in_range(days)
            if not live.any():
                continue
            wk = np.where(_weekday(days) >= 5, 0.7, 1.0)
            amount = _money(c.budget * ctx.scale * ctx.growth(mk) ** 0.5 * wk * noise)
            parts.append(
                pd.DataFrame(
                    {
                        "campaign_id": c.campaign_id,
                        "spend_date": days[live],
                        "amount": amount[live],
                        "ccy": c.ccy,
                    }
                )
            )
    df = pd.concat(parts, ignore_index=True)
    return df.sort_values(["spend_date", "campaign_id"], kind="stable")


def _web_sessions(ctx: _Ctx, orders: pd.DataFrame, u: pd.DataFrame, camps: pd.DataFrame):
    cust_ids = u["customer_id"].to_numpy()
    signup = u["signup"].to_numpy()
    parts = []
    for mk, grp in orders.groupby("mk", sort=True):
        r = ctx.rng(_S_SESSIONS, mk)
        ms, nd = _mstart(mk), _mdays(mk)
        web = grp[grp["channel"] == "web"]
        nw = len(web)
        back = (r.uniform(60, 5400, nw)).astype(np.int64) * _SEC
        conv_start = np.maximum(web["ts"].to_numpy() - back, ms.astype("datetime64[s]"))
        conv_visitor = "V-" + cust_ids[web["cust"].to_numpy()].astype(object)
        n_extra = int(r.poisson(3.3 * nw * r.lognormal(0.0, 0.12)))
        eday = r.choice(nd, n_extra, p=_day_weights(mk, 0.9))
        estart = (ms + eday * _DAY).astype("datetime64[s]") + _time_of_day(r, n_extra)
        known = np.flatnonzero(signup < ms)
        is_cust = (r.random(n_extra) < 0.3) & (len(known) > 0)
        pick = (
            known[r.integers(0, max(1, len(known)), n_extra) % max(1, len(known))]
            if len(known)
            else np.zeros(n_extra, dtype=np.int64)
        )
        pool = max(1, int(n_extra * 0.72))
        anon = _ids(f"V-{_label(mk).replace('-', '')}-", r.integers(1, pool + 1, n_extra), 6)
        evisitor = np.where(is_cust, "V-" + cust_ids[pick].astype(object), anon)
        start = np.r_[conv_start, estart]
        visitor = np.r_[conv_visitor, evisitor]
        order_id = np.r_[web["order_id"].to_numpy(), np.full(n_extra, None, dtype=object)]
        n = len(start)
        source = _SOURCES[r.choice(len(_SOURCES), n, p=_SOURCE_W)]
        pageviews = 1 + r.poisson(3.0, n) + np.r_[np.full(nw, 3), np.zeros(n_extra, dtype=np.int64)]
        campaign = _assign_campaigns(r, start.astype("datetime64[D]"), source, camps, 0.9)
        offset = r.random(n) < 0.03
        sort = np.lexsort((visitor.astype(str), start))
        label = _label(mk).replace("-", "")
        parts.append(
            pd.DataFrame(
                {
                    "session_id": _ids(f"W-{label}-", np.arange(1, n + 1), 6),
                    "visitor_id": visitor[sort],
                    "started_at": start[sort],
                    "source": source[sort],
                    "campaign_id": campaign[sort],
                    "pageviews": pageviews[sort],
                    "order_id": order_id[sort],
                    "offset": offset,
                }
            )
        )
    df = pd.concat(parts, ignore_index=True)
    return df[ctx.in_range(df["started_at"].to_numpy().astype("datetime64[s]"))]


def _leads(ctx: _Ctx, u: pd.DataFrame, camps: pd.DataFrame) -> pd.DataFrame:
    lead_sources = np.array(["event", "webinar", "referral", "paid_search", "content", "social"])
    src_w = np.array([0.15, 0.15, 0.15, 0.25, 0.15, 0.15])
    parts = []
    # leads that became the B2B customers (created 2-11 weeks before signup)
    for mk, grp in u[~u["demo"]].groupby("smk", sort=True):
        r = ctx.rng(_S_LEADS_CUST, mk)
        k = len(grp)
        from_lead = (r.random(k) < 0.75) & (grp["segment"].to_numpy() >= 1)
        span = r.integers(15, 76, k)
        signup = grp["signup"].to_numpy().astype("datetime64[s]")
        created = signup - span * np.timedelta64(1, "D") + _time_of_day(r, k)
        span_s = (signup - created) / _SEC
        mql = created + (r.uniform(0.05, 0.35, k) * span_s).astype(np.int64) * _SEC
        sql = created + (r.uniform(0.45, 0.9, k) * span_s).astype(np.int64) * _SEC
        source = lead_sources[r.choice(6, k, p=src_w)]
        cid = grp["customer_id"].to_numpy().astype(object)
        cid = np.where(grp["signup"].to_numpy() <= ctx.end, cid, None)
        parts.append(
            pd.DataFrame(
                {
                    "lead_id": "L-" + grp["customer_id"].to_numpy().astype(object),
                    "created_at": created,
                    "source": source,
                    "mql_at": mql,
                    "sql_at": sql,
                    "customer_id": cid,
                    "offset": r.random(k) < 0.04,
                }
            )[from_lead]
        )
    # leads that did not (yet) convert
    for mk in ctx.months():
        r = ctx.rng(_S_LEADS, mk)
        ms, nd = _mstart(mk), _mdays(mk)
        n = int(r.poisson(4.5 * ctx.scale * ctx.growth(mk) * _SEASON[mk % 12] * nd))
        day = r.choice(nd, n, p=_day_weights(mk, 0.35))
        created = np.sort((ms + day * _DAY).astype("datetime64[s]") + _time_of_day(r, n))
        is_mql = r.random(n) < 0.42
        is_sql = is_mql & (r.random(n) < 0.33 * (1 + 0.3 * np.sin(mk / 2.0)))
        mql = created + (r.exponential(2.5 * 86400, n) + 600).astype(np.int64) * _SEC
        sql = mql + (r.exponential(6 * 86400, n) + 3600).astype(np.int64) * _SEC
        mql[~is_mql] = np.datetime64("NaT")
        sql[~is_sql] = np.datetime64("NaT")
        label = _label(mk).replace("-", "")
        parts.append(
            pd.DataFrame(
                {
                    "lead_id": _ids(f"L-{label}-", np.arange(1, n + 1), 5),
                    "created_at": created,
                    "source": lead_sources[r.choice(6, n, p=src_w)],
                    "mql_at": mql,
                    "sql_at": sql,
                    "customer_id": np.full(n, None, dtype=object),
                    "offset": r.random(n) < 0.04,
                }
            )
        )
    df = pd.concat(parts, ignore_index=True)
    for c in ("created_at", "mql_at", "sql_at"):
        df[c] = df[c].to_numpy().astype("datetime64[s]")
    df = df[ctx.in_range(df["created_at"].to_numpy())].copy()
    df = df.sort_values(["created_at", "lead_id"], kind="stable").reset_index(drop=True)
    # campaign of a lead: no FK in the contract, but a real running campaign
    created_day = df["created_at"].to_numpy().astype("datetime64[D]")
    created_mk = created_day.astype("datetime64[M]").astype(np.int64)
    campaign = np.full(len(df), None, dtype=object)
    sources = df["source"].to_numpy()
    for mk in np.unique(created_mk):
        sel = np.flatnonzero(created_mk == mk)
        campaign[sel] = _assign_campaigns(ctx.rng(_S_LEADS, 1, int(mk)), created_day[sel], sources[sel], camps, 0.8)
    df["campaign_id"] = campaign
    # mql/sql after `end` are not known yet (sql requires mql; sql >= mql)
    df["mql_at"] = ctx.cut_ts(df["mql_at"].to_numpy())
    sql = ctx.cut_ts(df["sql_at"].to_numpy())
    sql[np.isnat(df["mql_at"].to_numpy())] = np.datetime64("NaT")
    df["sql_at"] = sql
    return df


def _social(ctx: _Ctx) -> pd.DataFrame:
    start_followers = {"linkedin": 4200, "instagram": 12500, "x": 8100, "facebook": 15200, "youtube": 2600, "tiktok": 0}
    drift = {"linkedin": 9.0, "instagram": 14.0, "x": -1.5, "facebook": 2.0, "youtube": 4.0, "tiktok": 30.0}
    reach = {"linkedin": 0.45, "instagram": 0.9, "x": 0.6, "facebook": 0.35, "youtube": 1.4, "tiktok": 3.0}
    eng = {"linkedin": 0.032, "instagram": 0.045, "x": 0.012, "facebook": 0.018, "youtube": 0.05, "tiktok": 0.065}
    tiktok_from = ctx.start + 60 * _DAY
    followers = {p: float(v) for p, v in start_followers.items()}
    parts = []
    for mk in ctx.months():
        r = ctx.rng(_S_SOCIAL, mk)
        ms, nd = _mstart(mk), _mdays(mk)
        days = ms + np.arange(nd) * _DAY
        wk = np.where(_weekday(days) >= 5, 0.75, 1.0)
        for pi, p in enumerate(_PLATFORMS):
            delta = r.normal(drift[p] * (1 + 0.2 * (_SEASON[mk % 12] - 1)), abs(drift[p]) + 6, nd)
            skip = r.random(nd) < 0.12
            reach_noise = r.lognormal(0.0, 0.3, nd)
            live = ctx.in_range(days)
            if p == "tiktok":
                live &= days >= tiktok_from
                delta = np.where(days >= tiktok_from, delta, 0.0)
            level = np.maximum(0.0, followers[p] + np.cumsum(delta))
            if p == "tiktok":
                level = np.where(days >= tiktok_from, np.maximum(level, 150.0), 0.0)
            followers[p] = float(level[-1])
            fol = np.round(level).astype(np.int64)
            impressions = r.poisson(fol * reach[p] * wk * reach_noise + 5)
            engagements = r.binomial(impressions, eng[p])
            if p == "tiktok":
                live &= ~skip
            parts.append(
                pd.DataFrame(
                    {
                        "metric_date": days[live],
                        "platform": p,
                        "followers": fol[live],
                        "impressions": impressions[live],
                        "engagements": engagements[live],
                        "pi": pi,
                    }
                )
            )
    df = pd.concat(parts, ignore_index=True)
    return df.sort_values(["metric_date", "pi"], kind="stable")


# --------------------------------------------------------------------------- finance


def _fx(ctx: _Ctx) -> pd.DataFrame:
    first = ctx.start - 7 * _DAY
    level = {c: np.log(v) for c, v in _FX_BASE.items()}
    parts = []
    for mk in range(_mk(first), ctx.mk1 + 1):
        r = ctx.rng(_S_FX, mk)
        ms, nd = _mstart(mk), _mdays(mk)
        days = ms + np.arange(nd) * _DAY
        md = np.array([str(d)[5:] for d in days])
        trading = (_weekday(days) < 5) & (md != "12-25") & (md != "01-01")
        for ci, c in enumerate(("EUR", "GBP", "JPY")):
            steps = r.normal(_FX_DRIFT[c], _FX_VOL[c], nd)
            lv = level[c] + np.cumsum(steps)
            level[c] = float(lv[-1])
            from_day = first if c != "JPY" else ctx.start + _JPY_RATES_DELAY_DAYS * _DAY
            keep = trading & (days >= from_day) & (days <= ctx.end)
            parts.append(
                pd.DataFrame(
                    {
                        "rate_date": days[keep],
                        "currency": c,
                        "usd_per_unit": np.round(np.exp(lv[keep]), _FX_DECIMALS[c]),
                        "ci": ci,
                    }
                )
            )
    df = pd.concat(parts, ignore_index=True)
    return df.sort_values(["rate_date", "ci"], kind="stable")


def _order_money(orders: pd.DataFrame, lines: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """Per order: net revenue (order currency) and COGS (USD)."""
    cost = products["unit_cost"].to_numpy()[lines["prod"].to_numpy()]
    li = pd.DataFrame(
        {
            "order_id": lines["order_id"].to_numpy(),
            "net": lines["quantity"] * lines["unit_price"] - lines["discount_amount"],
            "cogs": lines["quantity"] * cost,
        }
    )
    agg = li.groupby("order_id", sort=False)[["net", "cogs"]].sum()
    o = orders.join(agg, on="order_id")
    o["day"] = o["ts"].to_numpy().astype("datetime64[D]")
    return o


def _mrr_on(subs: pd.DataFrame, day: np.datetime64) -> pd.Series:
    vf = subs["valid_from"].to_numpy()
    vt = subs["valid_to"].to_numpy()
    live = (vf <= day) & (np.isnat(vt) | (vt > day))
    return subs[live].groupby("ccy")["mrr"].sum()


def _gl_and_bank(ctx: _Ctx, om: pd.DataFrame, subs: pd.DataFrame, spend: pd.DataFrame, emp: pd.DataFrame):
    gl: list[tuple] = []  # (date, account, amount, ccy, tag)
    bank: list[tuple] = []  # (date, amount, ccy, category, tag)
    sold = om[om["status"] != "cancelled"]
    daily = sold.groupby(["day", "ccy"], sort=True)[["net", "cogs"]].sum()
    for (day, ccy), row in daily.iterrows():
        gl.append((day, "4000", row["net"], ccy, ""))
        bank.append((day + 2 * _DAY, row["net"], ccy, "operating", "RCPT"))
    for day, v in daily.groupby(level="day")["cogs"].sum().items():
        gl.append((day, "5000", v, 0, ""))
    ret = om[om["status"] == "returned"].copy()
    ret["rday"] = ret["day"].to_numpy() + 10 * _DAY
    for (day, ccy), v in ret.groupby(["rday", "ccy"], sort=True)["net"].sum().items():
        gl.append((day, "4000", -v, ccy, "R"))  # revenue reversal
        bank.append((day, -v, ccy, "operating", "RFND"))
    for day, v in ret.groupby("rday", sort=True)["cogs"].sum().items():
        gl.append((day, "5000", -v, 0, "R"))  # goods back in stock
    spend_m = spend.assign(mk=[_mk(d) for d in spend["spend_date"].to_numpy()])
    spend_m = spend_m.groupby(["mk", "ccy"], sort=True)["amount"].sum()
    hired = emp["hired_on"].to_numpy()
    term = emp["term_true"].to_numpy()
    s = ctx.scale
    for mk in ctx.months():
        r = ctx.rng(_S_GL, mk)
        ms, nd = _mstart(mk), _mdays(mk)
        last = ms + (nd - 1) * _DAY
        d = lambda n, ms=ms: ms + (n - 1) * _DAY  # noqa: E731
        mrr = _mrr_on(subs, last)
        for ccy, v in mrr.items():
            gl.append((last, "4100", v, int(ccy), ""))
            bank.append((last + 1 * _DAY, v, int(ccy), "operating", "SUBS"))
        for (m, ccy), v in spend_m.items():
            if m == mk:
                gl.append((last, "6100", v, int(ccy), ""))
                bank.append((last + 5 * _DAY, -v, int(ccy), "operating", "MKT"))
        d25 = d(25)
        heads = int(((hired <= d25) & (np.isnat(term) | (term > d25))).sum())
        salary = heads * 4300.0 * r.uniform(0.98, 1.03)
        gl.append((d25, "6000", 0.7 * salary, 0, ""))
        gl.append((d25, "6000", 0.3 * salary / 1.08, 1, ""))
        bank.append((d25, -0.7 * salary, 0, "operating", "PAY"))
        bank.append((d25, -0.3 * salary / 1.08, 1, "operating", "PAY"))
        rent_usd, rent_eur = 14000.0 * s, 8000.0 * s
        gl.append((d(1), "6200", rent_usd, 0, ""))
        gl.append((d(1), "6200", rent_eur, 1, ""))
        bank.append((d(1), -rent_usd, 0, "operating", "RENT"))
        bank.append((d(1), -rent_eur, 1, "operating", "RENT"))
        software = 4200.0 * s * r.uniform(0.9, 1.1) * ctx.growth(mk) ** 0.5
        gl.append((d(5), "6300", software, 0, ""))
        bank.append((d(5), -software, 0, "operating", "SAAS"))
        if r.random() < 0.3:  # a credit note reverses part of an invoice
            gl.append((d(20), "6300", -software * r.uniform(0.05, 0.3), 0, "R"))
        travel = 2500.0 * s * r.lognormal(0.0, 0.4)
        gl.append((d(15), "6400", travel, 2, ""))
        bank.append((d(16), -travel, 2, "operating", "TRVL"))
        month_cogs = float(sold.loc[sold["mk"] == mk, "cogs"].sum())
        gl.append((last, "5100", 0.06 * month_cogs, 0, ""))
        bank.append((d(10), -0.9 * month_cogs, 0, "operating", "SUPP"))
        gl.append((last, "4500", 300.0 * s * r.uniform(0.5, 1.5), 0, ""))
        gl.append((last, "7100", r.normal(300.0, 900.0) * s, 0, ""))  # negative: a gain
        if ms >= ctx.start + 120 * _DAY:
            gl.append((last, "7000", 2100.0 * s, 0, ""))
            bank.append((d(28), -12000.0 * s, 0, "financing", "LOANR"))
        if mk % 3 == 0:  # quarterly income tax; April: last year's refund
            tax = 26000.0 * s * r.uniform(0.6, 1.4) * ctx.growth(mk)
            gl.append((d(15), "8000", tax, 0, ""))
            bank.append((d(15), -tax, 0, "operating", "TAX"))
            if mk % 12 == 3:
                gl.append((d(18), "8000", -0.2 * tax, 0, "R"))
                bank.append((d(18), 0.2 * tax, 0, "operating", "TAXR"))
        if mk % 3 == 2:  # quarterly capex, and a yearly disposal
            capex = 45000.0 * s * r.uniform(0.4, 1.6)
            gl.append((d(20), "1500", capex, 0, ""))
            bank.append((d(20), -capex, 0, "investing", "CAPEX"))
            if mk % 12 == 8:
                sale = 9000.0 * s * r.uniform(0.5, 1.5)
                gl.append((d(22), "1500", -sale, 0, ""))
                bank.append((d(22), sale, 0, "investing", "SALE"))
        # balance sheet movements (not used by the KPIs, but real)
        for acct in ("1000", "1200", "1300", "2000", "3100"):
            gl.append((last, acct, r.normal(0.0, 40000.0) * s, 0, "M"))
    gl.append((ctx.start, "3000", 2_000_000.0 * s, 0, ""))
    bank.append((ctx.start, 2_000_000.0 * s, 0, "financing", "EQTY"))
    gl.append((ctx.start + 120 * _DAY, "2100", 600_000.0 * s, 0, ""))
    bank.append((ctx.start + 120 * _DAY, 600_000.0 * s, 0, "financing", "LOAN"))

    g = pd.DataFrame(gl, columns=["posting_date", "account_code", "amount", "ccy", "tag"])
    g["posting_date"] = g["posting_date"].to_numpy().astype("datetime64[D]")
    g = g[ctx.in_range(g["posting_date"].to_numpy())].copy()
    g["amount"] = _money(g["amount"].to_numpy(), _MONEY_DECIMALS[g["ccy"].to_numpy()])
    ymd = np.char.replace(np.datetime_as_string(g["posting_date"].to_numpy(), unit="D"), "-", "")
    cc = np.array(_CURRENCIES)[g["ccy"].to_numpy()]
    g["entry_id"] = [
        f"GL-{a}-{b}-{c}" + (f"-{t}" if t else "")
        for a, b, c, t in zip(ymd, g["account_code"], cc, g["tag"], strict=True)
    ]
    g = g.sort_values(["posting_date", "entry_id"], kind="stable")

    b = pd.DataFrame(bank, columns=["booked_on", "amount", "ccy", "category", "tag"])
    b["booked_on"] = b["booked_on"].to_numpy().astype("datetime64[D]")
    b = b[ctx.in_range(b["booked_on"].to_numpy())].copy()
    b["amount"] = _money(b["amount"].to_numpy(), _MONEY_DECIMALS[b["ccy"].to_numpy()])
    ymd = np.char.replace(np.datetime_as_string(b["booked_on"].to_numpy(), unit="D"), "-", "")
    cc = np.array(_CURRENCIES)[b["ccy"].to_numpy()]
    b["transaction_id"] = [f"BT-{a}-{t}-{c}" for a, t, c in zip(ymd, b["tag"], cc, strict=True)]
    b = b.sort_values(["booked_on", "transaction_id"], kind="stable")
    return g, b


# --------------------------------------------------------------------------- operations


def _production(ctx: _Ctx, n_products: int) -> pd.DataFrame:
    plants = ("PLANT-1", "PLANT-2", "PLANT-3")
    plant_from = (ctx.start, ctx.start, ctx.start + 200 * _DAY)
    plant_products = [np.arange(0, 14), np.arange(12, 28), np.arange(26, n_products)]
    defect_base = (0.012, 0.022, 0.035)
    parts = []
    for mk in ctx.months():
        r = ctx.rng(_S_PROD, mk)
        ms, nd = _mstart(mk), _mdays(mk)
        days = ms + np.arange(nd) * _DAY
        for pi, plant in enumerate(plants):
            for slot in (1, 2):
                prods = plant_products[pi]
                prod = prods[r.integers(0, len(prods), nd)]
                planned = r.choice([400, 600, 800, 1000, 1200, 1500], nd)
                down = np.where(r.random(nd) < 0.3, np.round(r.gamma(2.0, 35.0, nd), 1), 0.0)
                eff = np.clip(r.normal(0.96, 0.05, nd) - down / 480.0, 0.3, 1.08)
                produced = np.round(planned * eff).astype(np.int64)
                learning = max(0.5, 1.0 - 0.012 * (mk - ctx.mk0))
                defective = r.binomial(produced, defect_base[pi] * learning)
                wd = _weekday(days)
                live = (wd < 5) | ((wd == 5) & (pi == 0) & (slot == 1))
                live &= ctx.in_range(days) & (days >= plant_from[pi])
                ymd = np.char.replace(np.datetime_as_string(days, unit="D"), "-", "")
                parts.append(
                    pd.DataFrame(
                        {
                            "run_id": [f"R-{x}-{pi + 1}-{slot}" for x in ymd[live]],
                            "plant_id": plant,
                            "prod": prod[live],
                            "run_date": days[live],
                            "planned_units": planned[live],
                            "produced_units": produced[live],
                            "defective_units": defective[live],
                            "downtime_minutes": down[live],
                        }
                    )
                )
    df = pd.concat(parts, ignore_index=True)
    return df.sort_values(["run_date", "run_id"], kind="stable")


def _inventory(ctx: _Ctx, n_products: int) -> pd.DataFrame:
    # (warehouse, weekday of its snapshot, every n weeks, products it stocks)
    whs = (
        ("WH-US", 6, 1, np.arange(0, n_products)),
        ("WH-EU", 0, 1, np.arange(0, 30)),
        ("WH-UK", 2, 2, np.arange(10, n_products)),
    )
    r0 = np.random.default_rng([ctx.seed, _S_INV_INIT])
    base = [r0.uniform(40, 600, len(p)) * max(ctx.scale, 0.05) for _, _, _, p in whs]
    level = [b.copy() for b in base]
    parts = []
    for mk in ctx.months():
        r = ctx.rng(_S_INV, mk)
        ms, nd = _mstart(mk), _mdays(mk)
        days = ms + np.arange(nd) * _DAY
        wd = _weekday(days)
        week = days.astype(np.int64) // 7
        for wi, (wh, wday, every, prods) in enumerate(whs):
            for d in days[(wd == wday) & (week % every == 0)]:
                k = len(prods)
                noise = r.normal(0.0, 0.18, k) * base[wi]
                level[wi] = np.maximum(0.0, level[wi] + 0.35 * (base[wi] - level[wi]) + noise)
                stockout = r.random(k) < 0.02
                missing = r.random(k) < 0.03
                on_hand = np.where(stockout, 0, np.round(level[wi])).astype(np.int64)
                if not ctx.in_range(np.array([d]))[0]:
                    continue
                keep = ~missing
                parts.append(
                    pd.DataFrame(
                        {
                            "snapshot_date": d,
                            "warehouse_id": wh,
                            "prod": prods[keep],
                            "on_hand_units": on_hand[keep],
                        }
                    )
                )
    df = pd.concat(parts, ignore_index=True)
    df["snapshot_date"] = df["snapshot_date"].to_numpy().astype("datetime64[D]")
    return df.sort_values(["snapshot_date", "warehouse_id", "prod"], kind="stable")


# --------------------------------------------------------------------------- customer


def _tickets(ctx: _Ctx, orders: pd.DataFrame, cust_ids: np.ndarray) -> pd.DataFrame:
    parts = []
    for mk, grp in orders.groupby("mk", sort=True):
        r = ctx.rng(_S_TICKETS, mk)
        n = len(grp)
        status = grp["status"].to_numpy()
        p = np.where(status == "returned", 0.4, np.where(status == "cancelled", 0.15, 0.06))
        pick = r.random(n) < p
        opened = grp["ts"].to_numpy() + (r.uniform(0.2, 10, n) * 86400).astype(np.int64) * _SEC
        hours = r.lognormal(np.log(9 * (1.25 - 0.008 * (mk - ctx.mk0))), 1.1, n)
        resolved = opened + (hours * 3600).astype(np.int64) * _SEC
        resolved[r.random(n) < 0.04] = np.datetime64("NaT")
        fast = np.array([0.03, 0.05, 0.12, 0.35, 0.45])
        slow = np.array([0.16, 0.2, 0.26, 0.24, 0.14])
        score_fast = 1 + r.choice(5, n, p=fast)
        score_slow = 1 + r.choice(5, n, p=slow)
        score = np.where(hours > 36, score_slow, score_fast).astype(float)
        score[r.random(n) < 0.45] = np.nan
        parts.append(
            pd.DataFrame(
                {
                    "ticket_id": "T-" + grp["order_id"].to_numpy()[pick].astype(object),
                    "customer_id": cust_ids[grp["cust"].to_numpy()[pick]],
                    "opened_at": opened[pick],
                    "resolved_at": resolved[pick],
                    "csat_score": score[pick],
                    "off1": r.random(n)[pick] < 0.04,
                    "off2": r.random(n)[pick] < 0.04,
                }
            )
        )
    df = pd.concat(parts, ignore_index=True)
    df = df[ctx.in_range(df["opened_at"].to_numpy())].copy()
    resolved = ctx.cut_ts(df["resolved_at"].to_numpy())
    csat = df["csat_score"].to_numpy().copy()
    csat[np.isnat(resolved)] = np.nan
    df["resolved_at"] = resolved
    df["csat_score"] = pd.array(csat, dtype="Int64")
    return df.sort_values(["opened_at", "ticket_id"], kind="stable")


def _nps(ctx: _Ctx, orders: pd.DataFrame, cust_ids: np.ndarray) -> pd.DataFrame:
    bad = np.array([4, 3, 4, 5, 6, 8, 10, 13, 17, 15, 15], dtype=float)
    good = np.array([1, 1, 1, 2, 2, 4, 6, 11, 18, 25, 29], dtype=float)
    parts = []
    for mk, grp in orders.groupby("mk", sort=True):
        r = ctx.rng(_S_NPS, mk)
        n = len(grp)
        pick = (r.random(n) < 0.12) & (grp["status"].to_numpy() == "completed")
        mix = min(1.0, (mk - ctx.mk0) / 36.0)
        p = (1 - mix) * bad / bad.sum() + mix * good / good.sum()
        score = r.choice(11, n, p=p)
        responded = grp["ts"].to_numpy() + (r.uniform(7, 21, n) * 86400).astype(np.int64) * _SEC
        parts.append(
            pd.DataFrame(
                {
                    "response_id": "N-" + grp["order_id"].to_numpy()[pick].astype(object),
                    "customer_id": cust_ids[grp["cust"].to_numpy()[pick]],
                    "responded_at": responded[pick],
                    "score": score[pick],
                }
            )
        )
    df = pd.concat(parts, ignore_index=True)
    df = df[ctx.in_range(df["responded_at"].to_numpy())]
    return df.sort_values(["responded_at", "response_id"], kind="stable")


# --------------------------------------------------------------------------- people


def _employees(ctx: _Ctx) -> pd.DataFrame:
    parts = []
    r = ctx.rng(_S_EMP, 0)
    n0 = max(6, int(round(24 * ctx.scale)))
    hired0 = ctx.start + np.where(r.random(n0) < 0.5, 0, r.integers(0, 15, n0)) * _DAY
    parts.append(
        pd.DataFrame(
            {
                "employee_id": _ids("E-", np.arange(1, n0 + 1), 4),
                "department": _DEPARTMENTS[r.choice(len(_DEPARTMENTS), n0, p=_DEPARTMENT_W)],
                "hired_on": hired0,
                "tenure": 45 + r.exponential(1300, n0).astype(np.int64),
            }
        )
    )
    parts.append(
        pd.DataFrame(
            {
                "employee_id": ["E-DEMO-01"],
                "department": ["Support"],
                "hired_on": [ctx.start],
                "tenure": [70],
            }
        )
    )
    for mk in ctx.months():
        r = ctx.rng(_S_EMP, mk)
        ms, nd = _mstart(mk), _mdays(mk)
        n = int(r.poisson(0.9 * max(ctx.scale, 0.1) * ctx.growth(mk)))
        hired = np.sort(ms + r.integers(0, nd, n) * _DAY)
        label = _label(mk).replace("-", "")
        parts.append(
            pd.DataFrame(
                {
                    "employee_id": _ids(f"E-{label}-", np.arange(1, n + 1), 2),
                    "department": _DEPARTMENTS[r.choice(len(_DEPARTMENTS), n, p=_DEPARTMENT_W)],
                    "hired_on": hired,
                    "tenure": 30 + r.exponential(1100, n).astype(np.int64),
                }
            )
        )
    df = pd.concat(parts, ignore_index=True)
    df["hired_on"] = df["hired_on"].to_numpy().astype("datetime64[D]")
    df["term_true"] = df["hired_on"].to_numpy() + df["tenure"].to_numpy() * _DAY
    df = df[ctx.in_range(df["hired_on"].to_numpy())].copy()
    df["terminated_on"] = ctx.cut_date(df["term_true"].to_numpy())
    return df.reset_index(drop=True)


def _training(ctx: _Ctx, emp: pd.DataFrame) -> pd.DataFrame:
    hired = emp["hired_on"].to_numpy()
    term = emp["term_true"].to_numpy()
    ids = emp["employee_id"].to_numpy()
    parts = []
    hours_choice = np.array([1.0, 1.5, 2.0, 3.0, 4.0, 7.5, 8.0, 16.0])
    for mk in ctx.months():
        r = ctx.rng(_S_TRAIN, mk)
        ms, nd = _mstart(mk), _mdays(mk)
        me = ms + (nd - 1) * _DAY
        idx = np.flatnonzero(hired <= me)
        k = len(idx)
        lo = np.maximum(hired[idx], ms)
        hi = np.minimum(np.minimum(me, term[idx] - _DAY), ctx.end)
        span = ((hi - lo) / _DAY).astype(np.int64)
        u = r.random(k)
        take = (r.random(k) < 0.35 * (1.4 if mk % 12 in (0, 8) else 1.0)) & (span >= 0)
        done = lo + np.floor(u * (np.maximum(span, 0) + 1)).astype(np.int64) * _DAY
        hours = hours_choice[r.integers(0, len(hours_choice), k)]
        label = _label(mk).replace("-", "")
        parts.append(
            pd.DataFrame(
                {
                    "record_id": [f"TR-{label}-{e}" for e in ids[idx][take]],
                    "employee_id": ids[idx][take],
                    "completed_on": done[take],
                    "hours": hours[take],
                }
            )
        )
    df = pd.concat(parts, ignore_index=True)
    df["completed_on"] = df["completed_on"].to_numpy().astype("datetime64[D]")
    df = df[ctx.in_range(df["completed_on"].to_numpy())]
    return df.sort_values(["completed_on", "record_id"], kind="stable")


# --------------------------------------------------------------------------- writing


def _month_labels(d: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(np.asarray(d).astype("datetime64[M]"), unit="M")


_CSV_WRITER: list = []


def _csv_bytes(df: pd.DataFrame) -> bytes:
    """The frame as RFC 4180 CSV with a header (DuckDB's writer: the same bytes as pandas'
    to_csv, about 3.5× faster)."""
    import tempfile

    import duckdb

    if not _CSV_WRITER:
        _CSV_WRITER.append(duckdb.connect())
    con = _CSV_WRITER[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "part.csv"
        con.register("_frame", df)
        try:
            con.execute(f"COPY (SELECT * FROM _frame) TO '{path}' (HEADER, DELIMITER ',')")
        finally:
            con.unregister("_frame")
        return path.read_bytes()


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="snappy")
    return buf.getvalue()


_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def _xlsx_bytes(df: pd.DataFrame, sheet: str) -> bytes:
    """xlsx with no wall-clock in it (openpyxl stamps the document properties and
    the zip entries with the current time; both are replaced)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append(list(row))
    raw = io.BytesIO()
    wb.save(raw)
    fixed = io.BytesIO()
    stamp = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = stamp.sub(rb"\g<1>2020-01-01T00:00:00Z\g<3>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    return fixed.getvalue()


def _orders_frame(orders: pd.DataFrame, cust_ids: np.ndarray, ccy_names: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": orders["order_id"].to_numpy(),
            "customer_id": cust_ids[orders["cust"].to_numpy()],
            "order_ts": _timestamps(orders["ts"].to_numpy(), orders["offset"].to_numpy()),
            "channel": orders["channel"].to_numpy(),
            "currency": ccy_names[orders["ccy"].to_numpy()],
            "status": orders["status"].to_numpy(),
        }
    )


def _sessions_frame(sessions: pd.DataFrame) -> pd.DataFrame:
    return sessions.assign(started_at=_timestamps(sessions["started_at"].to_numpy(), sessions["offset"].to_numpy()))


# Tables whose files are sorted across the months that feed them: (time column, id column)
# of the rows before formatting, kept as __t / __id until the file is written.
_SORTED = {"shipments", "support_tickets", "nps_responses"}


def _shipments_frame(shipments: pd.DataFrame) -> pd.DataFrame:
    return shipments.assign(
        __t=shipments["shipped_at"].to_numpy(),
        __id=shipments["shipment_id"].to_numpy(),
        promised_date=_dates(shipments["promised_date"].to_numpy()),
        shipped_at=_timestamps(shipments["shipped_at"].to_numpy()),
        delivered_at=_timestamps(shipments["delivered_at"].to_numpy()),
    )


def _tickets_frame(tickets: pd.DataFrame) -> pd.DataFrame:
    return tickets.assign(
        __t=tickets["opened_at"].to_numpy(),
        __id=tickets["ticket_id"].to_numpy(),
        opened_at=_timestamps(tickets["opened_at"].to_numpy(), tickets["off1"].to_numpy()),
        resolved_at=_timestamps(tickets["resolved_at"].to_numpy(), tickets["off2"].to_numpy()),
    )


def _nps_frame(nps: pd.DataFrame) -> pd.DataFrame:
    return nps.assign(
        __t=nps["responded_at"].to_numpy(),
        __id=nps["response_id"].to_numpy(),
        responded_at=_timestamps(nps["responded_at"].to_numpy()),
    )


class _MonthWriter:
    """Rows of month-split tables, kept until their month's file is complete, then written.

    The order-driven tables are generated one month of orders at a time; a row can land in a
    later month's file (a shipment or a survey after the order), never an earlier one, so after
    month m every file up to m is complete. A file's rows are in the order one generation of
    the whole table would give them (for _SORTED tables, re-sorted stably by time then id)."""

    def __init__(self, out: Path, counts: dict[str, int]):
        self.out, self.counts = out, counts
        self.pending: dict[str, dict[str, list[pd.DataFrame]]] = {}

    def add(self, table: str, frame: pd.DataFrame, labels) -> None:
        labels = np.broadcast_to(np.asarray(labels, dtype=object), (len(frame),))
        by_label = self.pending.setdefault(table, {})
        for label in np.unique(labels.astype(str)) if len(frame) else []:
            by_label.setdefault(label, []).append(frame[labels == label])
        self.counts.setdefault(table, 0)

    def flush(self, through: str) -> None:
        for table, by_label in self.pending.items():
            for label in sorted(k for k in by_label if k <= through):
                chunk = pd.concat(by_label.pop(label), ignore_index=True)
                if table in _SORTED:
                    chunk = chunk.sort_values(["__t", "__id"], kind="stable")
                chunk = chunk.loc[:, list(COLUMNS[table])].reset_index(drop=True)
                _put(self.out / table / f"{table}_{label}.csv", _csv_bytes(chunk))
                self.counts[table] += len(chunk)


def _put(path: Path, data: bytes) -> None:
    """Write only when the content changed (keeps mtimes, so a nightly run lands
    only the files that really changed), atomically."""
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _write_table(out: Path, table: str, df: pd.DataFrame, months: np.ndarray | None) -> int:
    df = df.loc[:, list(COLUMNS[table])].reset_index(drop=True)
    fmt = FILE_FORMATS.get(table, "csv")
    folder = out / table
    folder.mkdir(parents=True, exist_ok=True)
    if months is None:
        chunks = [(table, df)]
    else:
        labels, code = np.unique(np.asarray(months, dtype=str), return_inverse=True)
        order = np.argsort(code, kind="stable")
        bounds = np.searchsorted(code[order], np.arange(len(labels) + 1))
        chunks = [
            (f"{table}_{m}", df.iloc[order[bounds[i] : bounds[i + 1]]].reset_index(drop=True))
            for i, m in enumerate(labels)
        ]
    for name, chunk in chunks:
        if fmt == "csv":
            data = _csv_bytes(chunk)
        elif fmt == "parquet":
            data = _parquet_bytes(chunk)
        else:
            data = _xlsx_bytes(chunk, table)
        _put(folder / f"{name}.{fmt}", data)
    return len(df)


# --------------------------------------------------------------------------- public


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
