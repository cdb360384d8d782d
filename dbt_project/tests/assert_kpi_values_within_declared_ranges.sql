-- Every published KPI value lies within the range its YAML declares (`meta.kpi.range`:
-- [min, max], null = unbounded): a ratio of shares in [0, 1], NPS in [−100, 100], counts and
-- amounts that cannot be negative ≥ 0. Returns the offending values.
{%- set checks = [] -%}
{%- for node, kpi in kpi_nodes() -%}
    {%- set bounds = kpi.get('range') -%}
    {%- if bounds -%}
        {%- set conditions = [] -%}
        {%- if bounds[0] is not none -%}{%- do conditions.append('value < ' ~ bounds[0] ~ ' - 1e-9') -%}{%- endif -%}
        {%- if bounds[1] is not none -%}{%- do conditions.append('value > ' ~ bounds[1] ~ ' + 1e-9') -%}{%- endif -%}
        {%- do checks.append("(kpi_id = '" ~ kpi['kpi_id'] ~ "' and (" ~ conditions | join(' or ') ~ "))") -%}
    {%- endif -%}
{%- endfor %}
select kpi_id, grain, period_start, value
from {{ ref('kpi_values') }}
where {% if checks %}{{ checks | join('\n    or ') }}{% else %}false{% endif %}
