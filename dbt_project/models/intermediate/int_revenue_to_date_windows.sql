-- The comparison windows of the incomplete periods (at most one per grain: the period of the
-- as-of date), cut at the same calendar position (kpis.md, "To-date comparisons"): p−1 from
-- previous_start to previous_to_date_end, p−1y from year_ago_start to year_ago_to_date_end;
-- per customer, product and convertibility, as int_revenue_by_customer_product_period.
-- Each distinct window is summed once: a year's p−1 and p−1y are the same window (the year
-- before, to date), the largest of them, and it gets both comparisons' rows from the one sum.
-- A window starts on a month's first day (the comparison periods are months, quarters and
-- years): its whole months are read from their sums (int_revenue_by_customer_product_period,
-- grain month), only the days of its last, partial month one by one. Summing the year's window
-- from its days, through a range join over every day, made this the longest table of a
-- scale-100 night (3.0-3.8 s); it is now a view (dbt_project.yml).
with windows as (
    select
        grain,
        period_start,
        'previous' as comparison,
        previous_start as window_start,
        previous_to_date_end as window_end
    from ({{ kpi_periods('ratio') }}) as periods
    where not is_complete
    union all
    select
        grain,
        period_start,
        'year_ago' as comparison,
        year_ago_start as window_start,
        year_ago_to_date_end as window_end
    from ({{ kpi_periods('ratio') }}) as periods
    where not is_complete
),

bounds as (
    select distinct
        window_start,
        window_end,
        -- the first day after the window's whole months: the month of window_end, or the day
        -- after it when it is the month's last day
        {{ period_start("'month'", "window_end + interval 1 day") }} as days_from
    from windows
),

-- a window's pieces, from the period spine: its whole months and the days of its last, partial
-- month; each piece then finds its rows by equality (a hash join on a few hundred keys at most,
-- rather than a range join over all their rows: 0.5 s against 0.9 s on the scale-100 night).
-- The spine runs from the earliest event date of the whole landing zone to the as-of date, and
-- both tables only hold days and months in it, so no row of a window lacks its piece
pieces as (
    select
        bounds.window_start,
        bounds.window_end,
        calendar.grain,
        calendar.period_start
    from bounds
    inner join {{ ref('int_periods') }} as calendar
        on calendar.period_start between bounds.window_start and bounds.window_end
    where
        (calendar.grain = 'month' and calendar.period_start < bounds.days_from)
        or (calendar.grain = 'day' and calendar.period_start >= bounds.days_from)
),

window_rows as (
    select
        pieces.window_start,
        pieces.window_end,
        months.customer_id,
        months.product_id,
        months.is_convertible,
        months.needs_fx,
        months.order_count,
        months.quantity,
        months.net_revenue_usd
    from pieces
    inner join {{ ref('int_revenue_by_customer_product_period') }} as months
        on months.grain = pieces.grain and months.period_start = pieces.period_start
    union all
    select
        pieces.window_start,
        pieces.window_end,
        days.customer_id,
        days.product_id,
        days.is_convertible,
        days.needs_fx,
        days.order_count,
        days.quantity,
        days.net_revenue_usd
    from pieces
    inner join {{ ref('int_revenue_customer_product_days') }} as days
        on pieces.grain = 'day' and days.day = pieces.period_start
),

window_sums as (
    select
        window_start,
        window_end,
        customer_id,
        product_id,
        is_convertible,
        bool_or(needs_fx) as needs_fx,
        sum(order_count) as order_count,
        sum(quantity) as quantity,
        sum(net_revenue_usd) as net_revenue_usd
    from window_rows
    group by window_start, window_end, customer_id, product_id, is_convertible
)

select
    windows.grain,
    windows.period_start,
    windows.comparison,
    window_sums.customer_id,
    window_sums.product_id,
    window_sums.is_convertible,
    window_sums.needs_fx,
    window_sums.order_count,
    window_sums.quantity,
    window_sums.net_revenue_usd
from windows
inner join window_sums
    on
        windows.window_start = window_sums.window_start
        and windows.window_end = window_sums.window_end
