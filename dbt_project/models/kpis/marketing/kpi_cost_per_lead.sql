-- cost_per_lead: marketing_spend ÷ leads, both over p (up to its measurement day), built from
-- the two KPIs. Leads carry no money, so every lead counts; unconvertible spend rows are left
-- out of the spend (and reported through marketing_spend's unconvertible_count).
with periods as (
    {{ kpi_periods('ratio') }}
),

spend as (
    select * from {{ ref('kpi_marketing_spend') }}
),

leads as (
    select * from {{ ref('kpi_leads') }}
)

select
    periods.grain,
    periods.period_start,
    {{ safe_divide('spend.value', 'leads.value') }} as value,
    cast(spend.value as double) as numerator,
    cast(leads.value as double) as denominator,
    spend.fx_needed,
    spend.unconvertible_count
from periods
inner join spend on periods.grain = spend.grain and periods.period_start = spend.period_start
inner join leads on periods.grain = leads.grain and periods.period_start = leads.period_start
