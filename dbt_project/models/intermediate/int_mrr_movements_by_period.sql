-- The MRR movements of kpis.md summed over customers, one row per grain (month, quarter, year)
-- and period of the spine (0 when nothing moved). mrr_start_own is mrr(p−1), mrr_end is mrr(p),
-- so net_new_mrr = mrr_end − mrr_start_own = new + reactivation + expansion − contraction
-- − churned + fx by construction.
with customers as (
    select * from {{ ref('int_customer_mrr_by_period') }}
),

periods as (
    select
        grain,
        period_start
    from {{ ref('int_periods') }}
    where grain in ('month', 'quarter', 'year')
)

select
    periods.grain,
    periods.period_start,
    coalesce(sum(customers.mrr_end), 0) as mrr_end,
    coalesce(sum(customers.mrr_start), 0) as mrr_start,
    coalesce(sum(customers.mrr_start_own), 0) as mrr_start_own,
    coalesce(sum(customers.new_mrr), 0) as new_mrr,
    coalesce(sum(customers.reactivation_mrr), 0) as reactivation_mrr,
    coalesce(sum(customers.expansion_mrr), 0) as expansion_mrr,
    coalesce(sum(customers.contraction_mrr), 0) as contraction_mrr,
    coalesce(sum(customers.churned_mrr), 0) as churned_mrr,
    coalesce(sum(customers.fx_mrr), 0) as fx_mrr,
    coalesce(bool_or(customers.needs_fx), false) as fx_needed,
    coalesce(sum(customers.unconvertible_end), 0) as unconvertible_end,
    coalesce(sum(customers.unconvertible_start), 0) as unconvertible_start,
    coalesce(sum(customers.unconvertible_start_own), 0) as unconvertible_start_own
from periods
left join customers
    on
        periods.grain = customers.grain
        and periods.period_start = customers.period_start
group by periods.grain, periods.period_start
