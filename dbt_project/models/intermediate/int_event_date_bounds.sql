-- Earliest and latest event date (up to the as-of date) of every event-dated raw table. Used to
-- decide each KPI's first published period (kpis.md, "First period").
{% for source_name, table_name in event_dated_tables() %}
    select
        '{{ table_name }}' as table_name,
        min(event_date) as min_event_date,
        max(event_date) as max_event_date,
        count(*) as row_count
    from {{ ref('stg_' ~ source_name ~ '__' ~ table_name) }}
    where event_date <= {{ as_of() }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
