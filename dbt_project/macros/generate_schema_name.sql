{#- Layer schemas are named after the layer (staging, intermediate, kpis, marts),
    not prefixed with the target schema: BI tools and tests read stable names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
