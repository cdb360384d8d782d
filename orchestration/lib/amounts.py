"""Numbers as people write them in target declarations: 1500, "1,500", "$1.5k", "3%", "4.5e6",
and signed changes such as "+25000 over last month" or "-2%"."""

from __future__ import annotations

import re

_SUFFIX = {"k": 1e3, "m": 1e6, "mm": 1e6, "bn": 1e9, "b": 1e9}
# digits with thousands separators, or scientific notation (YAML reads 4.5e6 as a string)
_NUMBER = re.compile(
    r"^\$?\s*(\d[\d,_]*(?:\.\d+)?(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)\s*(k|m|mm|bn|b)?\s*(%)?$", re.IGNORECASE
)
_DELTA = re.compile(r"^([+-])\s*(.+?)\s*(?:(?:over|vs\.?|versus|on|above|below)\b.*)?$", re.IGNORECASE)


def parse_amount(value: object) -> tuple[float, bool] | None:
    """A number written the way people write it: 1500, "1,500", "$1.5k", "3%", "4.5e6".
    Returns (number, is_percent) or None when it is not a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value), False
    m = _NUMBER.match(str(value).strip())
    if not m:
        return None
    number = float(m[1].replace(",", "").replace("_", ""))
    if m[2]:
        number *= _SUFFIX[m[2].lower()]
    return number, bool(m[3])


def parse_target_value(value: object) -> tuple[str, float] | None:
    """('absolute', n) for a number; ('delta', n) or ('delta_pct', n) for a signed string
    like "+25000 over last month" or "-2%"; None when no number can be read."""
    if isinstance(value, str) and value.strip()[:1] in "+-" and value.strip():
        m = _DELTA.match(value.strip())
        amount = parse_amount(m[2]) if m else None
        if amount is None:
            return None
        number, pct = amount
        sign = -1.0 if m[1] == "-" else 1.0
        return ("delta_pct" if pct else "delta"), sign * number
    amount = parse_amount(value)
    if amount is None:
        return None
    number, pct = amount
    return "absolute", (number / 100 if pct else number)
