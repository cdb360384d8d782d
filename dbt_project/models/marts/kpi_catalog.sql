-- kpi.kpi_catalog: one row per KPI, from the `meta.kpi` entry of its dbt model and its input
-- tables from dbt lineage. owner and aligns_to come from the target declarations and are
-- filled in when the outputs are published.
{%- set rows = [] -%}
{%- for node, kpi in kpi_nodes() -%}
    {%- set cells = [kpi['kpi_id'], kpi.get('name', kpi['kpi_id']), node.description | trim,
        kpi.get('category', ''), kpi.get('perspective', ''), kpi.get('unit', ''),
        kpi.get('direction', ''), kpi.get('kind', '')] -%}
    {%- set quoted = [] -%}
    {%- for cell in cells -%}{%- do quoted.append("'" ~ (cell | string | replace("'", "''")) ~ "'") -%}{%- endfor -%}
    {%- do rows.append('(' ~ quoted | join(', ') ~ ')') -%}
{%- endfor %}
with kpis as (
    {% if rows %}
        select *
        from (values {{ rows | join(',\n        ') }})
            as kpis (kpi_id, name, description, category, perspective, unit, direction, kind)
    {% else %}
        select
            cast(null as varchar) as kpi_id,
            cast(null as varchar) as name,
            cast(null as varchar) as description,
            cast(null as varchar) as category,
            cast(null as varchar) as perspective,
            cast(null as varchar) as unit,
            cast(null as varchar) as direction,
            cast(null as varchar) as kind
        where false
    {% endif %}
),

inputs as (
    select
        kpi_id,
        list(input_table order by input_table) as inputs
    from {{ ref('int_kpi_inputs') }}
    group by kpi_id
)

select
    kpis.kpi_id,
    kpis.name,
    kpis.description,
    kpis.category,
    kpis.perspective,
    kpis.unit,
    kpis.direction,
    cast(null as varchar) as owner,
    cast(null as varchar) as aligns_to,
    coalesce(inputs.inputs, cast([] as varchar[])) as inputs,
    kpis.kind
from kpis
left join inputs on kpis.kpi_id = inputs.kpi_id
