"""Customer: support tickets and NPS responses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.lib.demo.common import _S_NPS, _S_TICKETS, _SEC, _Ctx


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
