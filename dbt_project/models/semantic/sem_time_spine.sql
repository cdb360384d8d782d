-- MetricFlow's time spine, and the calendar that counts a period's days up to the as-of date
-- (days_inventory_outstanding's days_elapsed): one row per day from the first day of the year of
-- the earliest event date to the as-of date.
select cast(unnest(generate_series(min(period_start), {{ as_of() }}, interval 1 day)) as date) as date_day
from {{ ref('int_periods') }}
where grain = 'year'
