-- mql_to_sql_rate: of the leads with mql_at (UTC date) in p, the share with sql_at not empty.
-- sql_at is judged as of the as-of date (a later sql_at already reads as empty in staging), not
-- as of p's end: a lead qualified in p and accepted after p but before the as-of date counts.
with leads as (
    select * from {{ ref('stg_marketing__leads') }}
    where mql_at is not null
),

periods as (
    {{ kpi_periods('ratio') }}
),

counted as (
    select
        periods.grain,
        periods.period_start,
        count(leads.lead_id) filter (where leads.sql_at is not null) as sql_leads,
        count(leads.lead_id) as mql_leads
    from periods
    left join leads
        on cast(leads.mql_at as date) between periods.period_start and periods.measure_date
    group by periods.grain, periods.period_start
)

select
    grain,
    period_start,
    {{ safe_divide('sql_leads', 'mql_leads') }} as value,
    cast(sql_leads as double) as numerator,
    cast(mql_leads as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from counted
