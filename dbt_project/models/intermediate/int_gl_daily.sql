-- Per posting day (up to the as-of date): net income (revenue and other_income − cogs,
-- operating_expense, other_expense, tax) and GL revenue (revenue accounts), in USD.
select
    posting_date as day,
    coalesce(sum(net_income_usd), 0) as net_income_usd,
    coalesce(sum(amount_usd) filter (where account_type = 'revenue'), 0) as gl_revenue_usd,
    count(*) filter (where not is_convertible) as unconvertible_entries,
    coalesce(bool_or(needs_fx), false) as fx_needed
from {{ ref('fct_gl_entries') }}
where posting_date <= {{ as_of() }}
group by posting_date
