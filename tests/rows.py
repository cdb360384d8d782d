"""Row builders for the raw tables that several KPI test files land (raw-contract.md's columns).

One builder per table, its positional parameters in the contract's column order and the
columns a test rarely varies as keywords with a default:

    order("O1", "C1", "2024-03-10 10:00:00", "EUR", "returned")
    line("O1", "P1", 2, 10, discount_amount=1, line_number=2)
    customers(["C1", "C2"], signup_date="2023-01-01")
    subscription("S1", "C1", 100, "USD", "2024-10-01", "2025-01-15")

Tables only one file lands (sessions, tickets, GL entries...) keep their builder in that file.
"""

from __future__ import annotations

from collections.abc import Iterable


def order(order_id, customer_id, order_ts, currency="USD", status="completed", channel="web"):
    return {
        "order_id": order_id,
        "customer_id": customer_id,
        "order_ts": order_ts,
        "channel": channel,
        "currency": currency,
        "status": status,
    }


def line(order_id, product_id, quantity, unit_price, discount_amount=0, line_number=1):
    return {
        "order_id": order_id,
        "line_number": line_number,
        "product_id": product_id,
        "quantity": quantity,
        "unit_price": unit_price,
        "discount_amount": discount_amount,
    }


def customers(
    customer_ids: Iterable[str], signup_date="2024-01-01", country="US", segment="smb", acquisition_channel="organic"
) -> list[dict]:
    return [
        {
            "customer_id": customer_id,
            "signup_date": signup_date,
            "country": country,
            "segment": segment,
            "acquisition_channel": acquisition_channel,
        }
        for customer_id in customer_ids
    ]


def subscription(subscription_id, customer_id, mrr, currency, valid_from, valid_to=None, plan="p"):
    return {
        "subscription_id": subscription_id,
        "customer_id": customer_id,
        "plan": plan,
        "mrr": mrr,
        "currency": currency,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }
