{#- The run's as-of date as a SQL date literal (var `as_of`, passed by the orchestrator). -#}
{% macro as_of() -%}
    date '{{ var("as_of") }}'
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
