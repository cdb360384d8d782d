{#- Every KPI model, read from dbt's graph at execution time: the models whose
    config.meta carries a `kpi` entry. Returns a list of (node, kpi meta). -#}
{% macro kpi_nodes() -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() | sort(attribute='name') -%}
            {%- if node.resource_type == 'model' and (node.config.meta or {}).get('kpi') -%}
                {%- do found.append((node, node.config.meta['kpi'])) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}

{#- The raw tables a node reads, directly or through the models it is built from
    (dbt lineage). Not counted: the `meta` bookkeeping source, and models marked
    `not_a_kpi_input` (the calendar spine reads every table only to find the first day). -#}
{% macro raw_inputs_of(unique_id, seen=none) -%}
    {%- set seen = seen if seen is not none else [] -%}
    {%- set tables = [] -%}
    {%- if unique_id in seen -%}{{ return(tables) }}{%- endif -%}
    {%- do seen.append(unique_id) -%}
    {%- if unique_id in graph.sources -%}
        {%- set src = graph.sources[unique_id] -%}
        {%- if src.source_name != 'meta' -%}{%- do tables.append(src.name) -%}{%- endif -%}
    {%- elif unique_id in graph.nodes and not (graph.nodes[unique_id].config.meta or {}).get('not_a_kpi_input') -%}
        {%- for parent in graph.nodes[unique_id].depends_on.nodes -%}
            {%- for t in raw_inputs_of(parent, seen) -%}
                {%- if t not in tables -%}{%- do tables.append(t) -%}{%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(tables | sort) }}
{%- endmacro %}
