"""Operations: production runs and inventory snapshots."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.lib.demo.common import _DAY, _S_INV, _S_INV_INIT, _S_PROD, _Ctx, _mdays, _mstart, _weekday


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
