-- Per booking day (up to the as-of date): cash flows in USD by category (positive = cash in):
-- operating, and operating plus investing (free cash flow); unconvertible transactions are left
-- out and counted.
select
    booked_on as day,
    coalesce(sum(amount_usd) filter (where category = 'operating'), 0) as operating_usd,
    coalesce(sum(amount_usd) filter (where category in ('operating', 'investing')), 0) as free_cash_flow_usd,
    count(*) filter (where category = 'operating' and not is_convertible) as unconvertible_operating,
    count(*) filter (where category in ('operating', 'investing') and not is_convertible) as unconvertible_free,
    coalesce(bool_or(needs_fx) filter (where category = 'operating'), false) as fx_needed_operating,
    coalesce(bool_or(needs_fx) filter (where category in ('operating', 'investing')), false) as fx_needed_free
from {{ ref('fct_bank_transactions') }}
where booked_on <= {{ as_of() }}
group by booked_on
