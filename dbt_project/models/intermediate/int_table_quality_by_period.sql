-- Per raw table, grain and period: rows accepted and rows quarantined whose event date falls in
-- the period (up to its measurement day), and the quarantined share (kpis.md, "Measurability").
-- Order lines take their order's date. Tables without an event date (customers, products,
-- campaigns, accounts) carry the share over the whole table in every period. A quarantined row
-- whose event date could not be read belongs to no period; it still shows in kpi.quarantine
-- and kpi.data_quality.
with loaded_by_day as (
    {% for source_name, table_name in event_dated_tables() %}
        select
            '{{ table_name }}' as table_name,
            event_date,
            count(*) as rows_loaded
        from {{ ref('stg_' ~ source_name ~ '__' ~ table_name) }}
        where event_date <= {{ as_of() }}
        group by event_date
        union all
    {% endfor %}
    select
        'order_lines' as table_name,
        order_date as event_date,
        count(*) as rows_loaded
    from {{ ref('fct_order_lines') }}
    where order_date <= {{ as_of() }}
    group by order_date
),

-- quarantined rows, and the rows of files rejected whole (kpis.md v1.2), by event date
quarantined_by_day as (
    select
        table_name,
        event_date,
        sum(rows_quarantined) as rows_quarantined
    from (
        select
            table_name,
            event_date,
            1 as rows_quarantined
        from {{ source('meta', 'quarantine') }}
        union all
        select
            table_name,
            event_date,
            row_count as rows_quarantined
        from {{ source('meta', 'rejected_rows') }}
    ) as bad_rows
    where event_date is not null and event_date <= {{ as_of() }}
    group by table_name, event_date
),

rejected_whole_table as (
    select
        table_name,
        sum(row_count) as rows_rejected
    from {{ source('meta', 'rejected_rows') }}
    where table_name in ('customers', 'products', 'campaigns', 'accounts')
    group by table_name
),

by_day as (
    select
        coalesce(l.table_name, q.table_name) as table_name,
        coalesce(l.event_date, q.event_date) as event_date,
        coalesce(l.rows_loaded, 0) as rows_loaded,
        coalesce(q.rows_quarantined, 0) as rows_quarantined
    from loaded_by_day as l
    full outer join quarantined_by_day as q
        on l.table_name = q.table_name and l.event_date = q.event_date
),

periods as (
    select
        grain,
        period_start,
        measure_date
    from {{ ref('int_periods') }}
),

-- each day's rows get their period keys by date_trunc (an equi-join): days ≤ the as-of date
event_tables as (
    select
        grains.grain,
        {{ period_start('grains.grain', 'by_day.event_date') }} as period_start,
        by_day.table_name,
        sum(by_day.rows_loaded) as rows_loaded,
        sum(by_day.rows_quarantined) as rows_quarantined
    from by_day
    cross join {{ grains('flow') }} as grains
    group by grains.grain, {{ period_start('grains.grain', 'by_day.event_date') }}, by_day.table_name
),

whole_tables as (
    select
        periods.grain,
        periods.period_start,
        status.table_name,
        status.rows_loaded,
        status.rows_quarantined + coalesce(rejected_whole_table.rows_rejected, 0) as rows_quarantined
    from periods
    cross join {{ source('meta', 'table_status') }} as status
    left join rejected_whole_table on status.table_name = rejected_whole_table.table_name
    where status.table_name in ('customers', 'products', 'campaigns', 'accounts')
)

select
    grain,
    period_start,
    table_name,
    rows_loaded,
    rows_quarantined,
    {{ safe_divide('rows_quarantined', 'rows_loaded + rows_quarantined') }} as quarantined_share
from (
    select * from event_tables
    union all
    select * from whole_tables
) as per_table
