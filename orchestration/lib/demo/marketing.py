"""Marketing: campaigns, spend, web sessions, leads, social metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.lib.demo.common import (
    _CAMPAIGN_CHANNELS,
    _DAY,
    _PLATFORMS,
    _S_CAMPAIGNS,
    _S_LEADS,
    _S_LEADS_CUST,
    _S_SESSIONS,
    _S_SOCIAL,
    _S_SPEND,
    _SEASON,
    _SEC,
    _SOURCE_W,
    _SOURCES,
    _Ctx,
    _day_weights,
    _ids,
    _label,
    _mdays,
    _money,
    _mstart,
    _time_of_day,
    _weekday,
)


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
