{#- The run's as-of date. The orchestrator writes it to meta.run_context right before
    `dbt build`, so the compiled SQL does not change from night to night and dbt's partial
    parsing keeps working (a date passed with --vars would force a full re-parse every run). -#}
{% macro as_of() -%}
    (select run_context.as_of from meta.run_context as run_context)
{%- endmacro %}

{#- Start of the UTC calendar period of `grain` containing `date_expr` (weeks are ISO, Monday start). -#}
{% macro period_start(grain_expr, date_expr) -%}
    cast(date_trunc({{ grain_expr }}, cast({{ date_expr }} as date)) as date)
{%- endmacro %}

{#- The grains a KPI is published at: every KPI at month, quarter and year; flow KPIs also at day and week. -#}
{% macro kpi_grains(kind) -%}
    {%- if kind == 'flow' -%}('day', 'week', 'month', 'quarter', 'year'){%- else -%}('month', 'quarter', 'year'){%- endif -%}
{%- endmacro %}

{#- The periods of int_periods at a KPI's grains. -#}
{% macro kpi_periods(kind) -%}
    select * from {{ ref('int_periods') }} where grain in {{ kpi_grains(kind) }}
{%- endmacro %}
