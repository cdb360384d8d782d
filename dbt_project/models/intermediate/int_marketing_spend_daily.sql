-- Per spend day (up to the as-of date): marketing spend in USD; a row without a rate on or before
-- its spend_date is left out and counted as unconvertible.
select
    spend_date as day,
    coalesce(sum(amount_usd), 0) as spend_usd,
    count(*) filter (where not is_convertible) as unconvertible_rows,
    coalesce(bool_or(needs_fx), false) as fx_needed
from {{ ref('fct_marketing_spend') }}
where spend_date <= {{ as_of() }}
group by spend_date
