-- One row per GL entry on a profit-and-loss account, in USD at its posting_date rate, with its
-- effect on net income: + for revenue and other_income accounts, − for cogs, operating_expense,
-- other_expense and tax accounts (raw-contract.md: a positive amount is income, resp. expense;
-- a negative amount is a reversal and so reduces it). Balance-sheet accounts (asset, liability,
-- equity) do not enter net income and are left out.
with entries as (
    select * from {{ ref('stg_finance__gl_entries') }}
),

accounts as (
    select
        account_code,
        account_type
    from {{ ref('stg_finance__accounts') }}
)

select
    entries.entry_id,
    entries.posting_date,
    entries.account_code,
    accounts.account_type,
    entries.currency,
    entries.currency <> 'USD' as needs_fx,
    (entries.currency = 'USD' or fx.usd_per_unit is not null) as is_convertible,
    {{ to_usd('entries.amount', 'entries.currency', 'fx.usd_per_unit') }} as amount_usd,
    case when accounts.account_type in ('revenue', 'other_income') then 1 else -1 end
    * {{ to_usd('entries.amount', 'entries.currency', 'fx.usd_per_unit') }} as net_income_usd
from entries
inner join accounts on entries.account_code = accounts.account_code
{{ join_fx_rate('entries.currency', 'entries.posting_date') }}
where accounts.account_type in ('revenue', 'other_income', 'cogs', 'operating_expense', 'other_expense', 'tax')
