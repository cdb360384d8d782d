-- The periods of the revenue bridge (kpis.md, "Revenue bridge"): month, quarter and year, from
-- the period of the first order to the period of the as-of date, with the start of each
-- period's comparison periods (previous and year-ago).
with first_day as (
    select coalesce(
        (
            select min_event_date from {{ ref('int_event_date_bounds') }}
            where table_name = 'orders'
        ),
        (select min(min_event_date) from {{ ref('int_event_date_bounds') }})
    ) as first_day
)

select
    periods.grain,
    periods.period_start,
    periods.is_complete,
    periods.previous_start,
    periods.year_ago_start
from {{ ref('int_periods') }} as periods
cross join first_day
where
    periods.grain in ('month', 'quarter', 'year')
    and periods.period_start >= {{ period_start('periods.grain', 'first_day.first_day') }}
