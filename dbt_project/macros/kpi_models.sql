{#- The KPI models that kpi_values unions. dbt must know a model's parents when it parses
    it, before the graph exists, so this list is the one place KPIs are named; the test
    tests/test_dbt_project.py checks it equals the set of models that carry meta.kpi.
    Keep it sorted. -#}
{% macro kpi_models() -%}
    {{ return([
        'kpi_active_customers',
        'kpi_arr',
        'kpi_average_order_value',
        'kpi_avg_resolution_hours',
        'kpi_churned_mrr',
        'kpi_contraction_mrr',
        'kpi_conversion_rate',
        'kpi_cost_per_lead',
        'kpi_csat',
        'kpi_customer_acquisition_cost',
        'kpi_customer_lifetime_value',
        'kpi_customer_retention_rate',
        'kpi_days_inventory_outstanding',
        'kpi_defect_rate',
        'kpi_downtime_hours',
        'kpi_employee_turnover_rate',
        'kpi_expansion_mrr',
        'kpi_free_cash_flow',
        'kpi_fx_mrr',
        'kpi_gross_margin',
        'kpi_headcount',
        'kpi_inventory_turnover',
        'kpi_inventory_value',
        'kpi_leads',
        'kpi_marketing_roi',
        'kpi_marketing_spend',
        'kpi_mql_to_sql_rate',
        'kpi_mrr',
        'kpi_net_income',
        'kpi_net_margin',
        'kpi_net_new_mrr',
        'kpi_new_customers',
        'kpi_new_mrr',
        'kpi_nps',
        'kpi_on_time_delivery_rate',
        'kpi_operating_cash_flow',
        'kpi_production_output',
        'kpi_reactivation_mrr',
        'kpi_repeat_purchase_rate',
        'kpi_revenue',
        'kpi_revenue_growth',
        'kpi_revenue_growth_yoy',
        'kpi_revenue_per_employee',
        'kpi_schedule_attainment',
        'kpi_sessions',
        'kpi_site_visitors',
        'kpi_social_engagement_rate',
        'kpi_social_followers',
        'kpi_subscription_churn_rate',
        'kpi_training_hours_per_employee',
    ]) }}
{%- endmacro %}

{#- The kpi_id a KPI model declares (config.meta.kpi.kpi_id), read from dbt's graph when the
    SQL is compiled (at parse time the graph is empty and the SQL is not run). -#}
{% macro kpi_id_of(model_name) -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == model_name -%}
            {{ return(node.config.meta.kpi.kpi_id) }}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(model_name ~ " has no meta.kpi.kpi_id") }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
