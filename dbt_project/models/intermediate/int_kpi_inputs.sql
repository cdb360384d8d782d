-- Each KPI's input tables, traced through dbt lineage from the KPI model back to the raw
-- sources (kpis.md, "Measurability"). No hand-kept list: a KPI model that joins a table
-- makes the KPI depend on it.
{%- set rows = [] -%}
{%- for node, kpi in kpi_nodes() -%}
    {%- for table_name in raw_inputs_of(node.unique_id) -%}
        {%- do rows.append("('" ~ kpi['kpi_id'] ~ "', '" ~ table_name ~ "')") -%}
    {%- endfor -%}
{%- endfor %}
{% if rows %}
    select
        kpi_id,
        input_table
    from (values {{ rows | join(', ') }}) as lineage (kpi_id, input_table)
{% else %}
    select
        cast(null as varchar) as kpi_id,
        cast(null as varchar) as input_table
    where false
{% endif %}
