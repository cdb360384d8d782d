"""Sales: products, customers, orders and their lines, subscriptions, shipments."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.lib.demo.common import (
    _ACQ,
    _ACQ_W,
    _COUNTRIES,
    _COUNTRY_CCY,
    _COUNTRY_W,
    _DAY,
    _MONEY_DECIMALS,
    _PLAN_PRICE,
    _PRE_START_MONTHS,
    _S_CUSTOMERS,
    _S_ORDERS,
    _S_PRODUCTS,
    _S_SHIP,
    _S_SUBS,
    _SEASON,
    _SEC,
    _SEG_ORDER_RATE,
    _SIGNUPS_PER_DAY,
    COLUMNS,
    _Ctx,
    _day_weights,
    _group_seq,
    _ids,
    _label,
    _mdays,
    _money,
    _mstart,
    _time_of_day,
)


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
