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

{#- Whether a node reads a model marked `looks_ahead` (config.meta), directly or through the
    models it is built from. Such a model's row of a day can change with a row of a later day
    or with the as-of date alone: a session converts when its order, possibly of a later day,
    is completed by the as-of date; a lead is an SQL when its sql_at is by the as-of date; an
    order is attributed to a campaign by a session, possibly of a later day. Everything else
    looks back only (a value of a period reads days up to its measurement day), which is what
    lets a night compute again only the periods from the first changed day on
    (int_kpi_rows; lib/publish.py for kpi_values_by_dimension). -#}
{% macro looks_ahead(unique_id, seen=none) -%}
    {%- set seen = seen if seen is not none else [] -%}
    {%- if unique_id in seen or unique_id not in graph.nodes -%}{{ return(false) }}{%- endif -%}
    {%- do seen.append(unique_id) -%}
    {%- set node = graph.nodes[unique_id] -%}
    {%- if (node.config.meta or {}).get('looks_ahead') -%}{{ return(true) }}{%- endif -%}
    {%- for parent in node.depends_on.nodes -%}
        {%- if looks_ahead(parent, seen) -%}{{ return(true) }}{%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}
