-- Earliest and latest event date (after the as-of rule) of every event-dated raw table.
-- Used to decide each KPI's first published period (kpis.md, "First period").
{% for source_name, table_name in event_dated_tables() %}
    select
        '{{ table_name }}' as table_name,
        min(event_date) as min_event_date,
        max(event_date) as max_event_date,
        count(*) as row_count
    from {{ ref('stg_' ~ source_name ~ '__' ~ table_name) }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
