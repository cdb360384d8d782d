-- One row per GL entry posted up to the as-of date: its account type, its contribution to net
-- income and, for revenue accounts, its amount (USD; NULL when it does not convert).
select
    entry_id,
    posting_date,
    coalesce(account_type, 'unknown') as account_type,
    net_income_usd,
    case when account_type = 'revenue' then amount_usd end as gl_revenue_usd
from {{ ref('fct_gl_entries') }}
where posting_date <= {{ as_of() }}
