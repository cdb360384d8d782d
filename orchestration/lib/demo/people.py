"""People: employees and training records."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.lib.demo.common import (
    _DAY,
    _DEPARTMENT_W,
    _DEPARTMENTS,
    _S_EMP,
    _S_TRAIN,
    _Ctx,
    _ids,
    _label,
    _mdays,
    _mstart,
)


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
