"""Finance: fx rates, the general ledger and bank transactions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.lib.demo.common import (
    _CURRENCIES,
    _DAY,
    _FX_BASE,
    _FX_DECIMALS,
    _FX_DRIFT,
    _FX_VOL,
    _JPY_RATES_DELAY_DAYS,
    _MONEY_DECIMALS,
    _S_FX,
    _S_GL,
    _Ctx,
    _mdays,
    _mk,
    _money,
    _mstart,
    _weekday,
)


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
