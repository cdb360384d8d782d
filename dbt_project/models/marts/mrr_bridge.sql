-- kpi.mrr_bridge: net_new_mrr(p) = mrr(p) − mrr(p−1) split into its movements (kpis.md, MRR rows
-- of the Financial table), at month, quarter and year: + new, reactivation, expansion;
-- − contraction, churned; fx with its own sign. The movements are the ones of the movement KPIs
-- (int_customer_mrr_by_period). Published from the period of the first subscription period to
-- the as-of period.
with movements as (
    select * from {{ ref('int_mrr_movements_by_period') }}
),

first_day as (
    select coalesce(
        (
            select min_event_date from {{ ref('int_event_date_bounds') }}
            where table_name = 'subscription_periods'
        ),
        (select min(min_event_date) from {{ ref('int_event_date_bounds') }})
    ) as first_day
),

signed as (
    select
        movements.grain,
        movements.period_start,
        movements.new_mrr as new,
        movements.reactivation_mrr as reactivation,
        movements.expansion_mrr as expansion,
        -movements.contraction_mrr as contraction,
        -movements.churned_mrr as churned,
        movements.fx_mrr as fx
    from movements
    cross join first_day
    where movements.period_start >= {{ period_start('movements.grain', 'first_day.first_day') }}
)

select
    grain,
    period_start,
    component,
    cast(amount as double) as amount
from signed
unpivot (amount for component in (new, reactivation, expansion, contraction, churned, fx))
