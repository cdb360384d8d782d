"""int_customer_order_links is incremental by customer: a night builds again every row of each
customer with an order on a changed date, before or after the change, and keeps the others
(macros/incremental_facts.sql, reopen_changed_keys).

Scenario A of test_kpis_customer is built as of 2025-03-20; then, as ingestion would record it in
the ledger, three orders are restated: O9b (C1, 2025-02-03) is cancelled, so C1's January day now
links to its March 25 order; O12 (C3, 2025-03-18) turns out to be C8's, so C3's January day has no
next day any more and C8's lone 2023 order links to March 18; O11, C6's only order (2025-03-15), is
cancelled, so C6 has no row left. Before the night one row of C2, which none of this touches, is
marked: the mark must survive (C2 was not built again)."""

from __future__ import annotations

from tests.dbt_harness import create_warehouse, dbt_build, query
from tests.test_kpis_customer import scenario_a_rows

AS_OF = "2025-03-20"
LINKS = "intermediate.int_customer_order_links"
MARK = -4242.0


def _links(wh) -> dict:
    rows = query(
        wh,
        f"select customer_id, cast(day as varchar), cast(next_day as varchar), "
        f"cast(previous_convertible_day as varchar) from {LINKS}",
    )
    return {(c, d): (n, p) for c, d, n, p in rows}


def _relinked(wh) -> dict:
    """The links computed again in Python from int_customer_order_days (an independent path)."""
    days = query(
        wh,
        "select customer_id, cast(day as varchar), has_convertible_order "
        "from intermediate.int_customer_order_days order by customer_id, day",
    )
    out = {}
    for i, (customer, day, convertible) in enumerate(days):
        later = [d for c, d, _ in days[i + 1 :] if c == customer]
        earlier = [d for c, d, conv in days[:i] if c == customer and conv]
        out[(customer, day)] = (later[0] if later else None, earlier[-1] if convertible and earlier else None)
    return out


def test_a_night_builds_again_the_customers_of_the_changed_dates_and_keeps_the_others(tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    create_warehouse(wh, scenario_a_rows())
    dbt_build(wh, AS_OF)
    before = _links(wh)
    assert before[("C1", "2025-01-10")] == ("2025-02-03", "2024-03-10")
    assert before[("C8", "2023-09-01")] == (None, None)
    assert ("C6", "2025-03-15") in before
    assert query(
        wh, f"update {LINKS} set gross_profit_usd = {MARK} where customer_id = 'C2' and day = '2024-10-08' returning 1"
    ) == [(1,)]

    query(wh, "update raw.orders set status = 'cancelled' where order_id in ('O9b', 'O11')")
    query(wh, "update raw.orders set customer_id = 'C8' where order_id = 'O12'")
    query(
        wh,
        "insert into meta.changed_event_dates select 'orders', cast(d as date), now(), "
        "(select max(change_seq) + 1 from meta.changed_event_dates) "
        "from (values ('2025-02-03'), ('2025-03-18'), ('2025-03-15')) as t(d)",
    )
    dbt_build(wh, AS_OF)

    after = _links(wh)
    # by hand: C1's January day now links to March 25 (February 3 cancelled); its March 25 day
    # links back to January 10, its previous convertible day
    assert after[("C1", "2025-01-10")] == ("2025-03-25", "2024-03-10")
    assert after[("C1", "2025-03-25")] == (None, "2025-01-10")
    assert ("C1", "2025-02-03") not in after
    assert after[("C3", "2025-01-20")] == (None, None)
    assert after[("C8", "2023-09-01")] == ("2025-03-18", None)
    assert after[("C8", "2025-03-18")] == (None, "2023-09-01")
    assert not [key for key in after if key[0] == "C6"]
    # every row, none stale and none missing, as computed again from the customer-days
    assert after == _relinked(wh)
    # C2 was not built again: its marked row is as it was
    assert query(wh, f"select gross_profit_usd from {LINKS} where customer_id = 'C2' and day = '2024-10-08'") == [
        (MARK,)
    ]
