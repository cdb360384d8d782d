{{ config(meta={'dagster': {'ref': {'name': 'mrr_bridge'}}}) }}
-- The MRR movements add up (kpis.md, Financial): for every grain and period,
-- net_new_mrr = new + reactivation + expansion − contraction − churned + fx, to the cent, both
-- from the movement KPIs and from the signed mrr_bridge; and net_new_mrr = mrr(p) − mrr(p−1)
-- with mrr from kpi_mrr (mrr(p−1) = 0 before the spine starts, where no subscription ran).
with net_new as (
    select
        grain,
        period_start,
        value
    from {{ ref('kpi_net_new_mrr') }}
),

movement_kpis as (
    select
        n.grain,
        n.period_start,
        n.value + r.value + e.value - c.value - ch.value + f.value as movements
    from {{ ref('kpi_new_mrr') }} as n
    inner join {{ ref('kpi_reactivation_mrr') }} as r using (grain, period_start)
    inner join {{ ref('kpi_expansion_mrr') }} as e using (grain, period_start)
    inner join {{ ref('kpi_contraction_mrr') }} as c using (grain, period_start)
    inner join {{ ref('kpi_churned_mrr') }} as ch using (grain, period_start)
    inner join {{ ref('kpi_fx_mrr') }} as f using (grain, period_start)
),

bridge as (
    select
        grain,
        period_start,
        sum(amount) as bridged,
        count(*) as components
    from {{ ref('mrr_bridge') }}
    group by grain, period_start
),

mrr_change as (
    select
        periods.grain,
        periods.period_start,
        current_mrr.value - coalesce(previous_mrr.value, 0) as change
    from {{ ref('int_periods') }} as periods
    inner join {{ ref('kpi_mrr') }} as current_mrr
        on periods.grain = current_mrr.grain and periods.period_start = current_mrr.period_start
    left join {{ ref('kpi_mrr') }} as previous_mrr
        on periods.grain = previous_mrr.grain and periods.previous_start = previous_mrr.period_start
)

select
    net_new.*,
    movement_kpis.movements,
    bridge.bridged,
    bridge.components,
    mrr_change.change
from net_new
left join movement_kpis using (grain, period_start)
left join bridge using (grain, period_start)
left join mrr_change using (grain, period_start)
where
    movement_kpis.movements is null
    or abs(net_new.value - movement_kpis.movements) >= 0.005
    or abs(net_new.value - mrr_change.change) >= 0.005
    or (bridge.bridged is not null and (abs(net_new.value - bridge.bridged) >= 0.005 or bridge.components <> 6))
