{#- The KPI models that kpi_values unions. dbt must know a model's parents when it parses
    it, before the graph exists, so this list is the one place KPIs are named; the test
    tests/test_dbt_project.py checks it equals the set of models that carry meta.kpi.
    Keep it sorted. -#}
{% macro kpi_models() -%}
    {{ return([
        'kpi_active_customers',
        'kpi_mrr',
        'kpi_revenue',
    ]) }}
{%- endmacro %}
