{#- The run's as-of date. The orchestrator writes it to meta.run_context right before
    `dbt build`, so the compiled SQL does not change from night to night and dbt's partial
    parsing keeps working (a date passed with --vars would force a full re-parse every run). -#}
{% macro as_of() -%}
    (select run_context.as_of from meta.run_context as run_context)
{%- endmacro %}

{#- A date attribute after the as-of date has not happened yet: it reads as empty (kpis.md, As-of date). -#}
{% macro as_of_or_null(expr) -%}
    case when cast({{ expr }} as date) <= {{ as_of() }} then {{ expr }} end
{%- endmacro %}

{#- Start of the UTC calendar period of `grain` containing `date_expr` (weeks are ISO, Monday start). -#}
{% macro period_start(grain_expr, date_expr) -%}
    cast(date_trunc({{ grain_expr }}, cast({{ date_expr }} as date)) as date)
{%- endmacro %}

{#- The grains a KPI is published at: every KPI at month, quarter and year; flow KPIs also at day and week. -#}
{% macro grain_list(kind) -%}
    {{ return(['day', 'week', 'month', 'quarter', 'year'] if kind == 'flow' else ['month', 'quarter', 'year']) }}
{%- endmacro %}

{% macro kpi_grains(kind) -%}
    ({% for g in grain_list(kind) %}'{{ g }}'{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{#- The periods of int_periods at a KPI's grains. A model that joins them in two places reads
    this twice, `from ({{ kpi_periods(kind) }}) as periods`, rather than through one CTE: DuckDB
    materialises a CTE used twice whole, and int_kpi_rows' filter on a night's periods then no
    longer reaches the joins behind it (customer_lifetime_value's 730-day windows: 3.3 s -> 1.8 s
    at one thread on the scale-100 night, 6.0 s -> 2.8 s for every period). -#}
{% macro kpi_periods(kind) -%}
    select * from {{ ref('int_periods') }} where grain in {{ kpi_grains(kind) }}
{%- endmacro %}

{#- The grains as a one-column relation, to give each day its period key per grain by an equi-join. -#}
{% macro grains(kind='flow') -%}
    (select grain from (values {% for g in grain_list(kind) %}('{{ g }}'){% if not loop.last %}, {% endif %}{% endfor %}) as grains (grain))
{%- endmacro %}

{#- A text key of several columns (a semantic model's primary entity when the table has a compound key). -#}
{% macro concat_key(columns) -%}
    ({% for c in columns %}cast({{ c }} as varchar){% if not loop.last %} || '|' || {% endif %}{% endfor %})
{%- endmacro %}

{#- The measurement days of the stock grains (month, quarter, year): each period's last day, or the as-of date,
    from the first period kpi_values publishes for the KPI (its inputs' first event, as in marts/kpi_values). -#}
{% macro stock_measure_days(kpi_id) -%}
    (
        select distinct periods.measure_date
        from {{ ref('int_periods') }} as periods
        where
            periods.grain in {{ kpi_grains('stock') }}
            and periods.measure_date >= (
                select coalesce(
                    min(bounds.min_event_date) filter (where inputs.input_table <> 'fx_rates'),
                    (select min(all_bounds.min_event_date) from {{ ref('int_event_date_bounds') }} as all_bounds)
                )
                from {{ ref('int_kpi_inputs') }} as inputs
                left join {{ ref('int_event_date_bounds') }} as bounds on inputs.input_table = bounds.table_name
                where inputs.kpi_id = '{{ kpi_id }}'
            )
    )
{%- endmacro %}
