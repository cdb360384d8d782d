"""The demo company's constants (contract columns, currencies, countries, plans, accounts, random
stream ids) and the helpers every domain uses (month keys, dates, money, ids, the context)."""

from __future__ import annotations

from datetime import date

import numpy as np

from orchestration.lib.contract import TABLES as CONTRACT

# Approximate order lines per unit of scale (kept in sync with the `kpi demo-data`
# help text; a test checks it).
ORDER_LINES_PER_SCALE_YEAR = 17_000

# The contract's tables and columns, in the contract's order (lib/contract.py is their one home).
COLUMNS: dict[str, tuple[str, ...]] = {name: tuple(c.name for c in t.columns) for name, t in CONTRACT.items()}
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
