{#- The shapes of KPI, each written once. Every KPI model returns one row per grain and period
    of its grains (int_periods: from the first period of the landing zone to the as-of period):
        grain, period_start, value, numerator, denominator, fx_needed, unconvertible_count
    A KPI's kind (flow, stock, ratio, count) comes from its YAML (config.meta.kpi.kind), never
    from its SQL; flow KPIs are published at every grain, the others at month, quarter, year.

    Day-grain inputs (int_*_daily) carry a `day` (up to the as-of date) and measures summed over
    the days of each period; each day gets its period keys by date_trunc and an equi-join, so
    the cost follows the days, not days × periods. -#}

{% macro kpi_kind() -%}
    {#- dbt renders a unit test with `model` = the test and without the tested model's config or
        the graph: a unit test of a KPI that is not a ratio names the kind in its overrides
        (`overrides: {vars: {kpi_kind: flow}}`), as the model's YAML does -#}
    {%- if model is defined and model.resource_type == 'unit_test' -%}
        {{ return(var('kpi_kind', 'ratio')) }}
    {%- endif -%}
    {%- set meta = (model.config.meta if model is defined and model.config is defined else {}) or {} -%}
    {{ return((meta.get('kpi') or {}).get('kind', 'ratio')) }}
{%- endmacro %}

{#- Σ of daily measures per period: grain, period_start, one column per `sums`, one per `flags`
    (bool_or), 0 / false for a period without days. -#}
{% macro sum_by_period(relation, sums, flags=[], kind=none, day='day') -%}
    {%- set kind = kind or kpi_kind() -%}
    select
        periods.grain,
        periods.period_start,
        {%- for s in sums %}
        coalesce(sum(by_day.{{ s }}), 0) as {{ s }},
        {%- endfor %}
        {%- for f in flags %}
        coalesce(bool_or(by_day.{{ f }}), false) as {{ f }},
        {%- endfor %}
        count(by_day.period_start) as days_with_data
    from ({{ kpi_periods(kind) }}) as periods
    left join (
        select
            grains.grain,
            {{ period_start('grains.grain', 'days.' ~ day) }} as period_start,
            days.*
        from {{ relation }} as days
        cross join {{ grains(kind) }} as grains
    ) as by_day
        on periods.grain = by_day.grain and periods.period_start = by_day.period_start
    group by periods.grain, periods.period_start
{%- endmacro %}

{#- A flow (or any additive) KPI: value = Σ of a daily measure. -#}
{% macro kpi_flow(relation, value, fx_needed=none, unconvertible=none, day='day', scale=none) -%}
    {%- set sums = [value] + ([unconvertible] if unconvertible else []) -%}
    with summed as (
        {{ sum_by_period(relation, sums, [fx_needed] if fx_needed else [], day=day) }}
    )

    select
        grain,
        period_start,
        cast({{ value }}{% if scale %} * {{ scale }}{% endif %} as double) as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        {{ fx_needed or 'false' }} as fx_needed,
        {{ unconvertible or '0' }} as unconvertible_count
    from summed
{%- endmacro %}

{#- A ratio of two Σ of daily measures: value = scale × numerator ÷ denominator (NULL on 0). -#}
{% macro kpi_ratio(relation, numerator, denominator, fx_needed=none, unconvertible=none, day='day', scale=none) -%}
    {%- set sums = [numerator, denominator] + ([unconvertible] if unconvertible else []) -%}
    with summed as (
        {{ sum_by_period(relation, sums | unique | list, [fx_needed] if fx_needed else [], day=day) }}
    )

    {{ kpi_select('summed', numerator, denominator, fx_needed, unconvertible, scale) }}
{%- endmacro %}

{#- The standard columns from a relation holding a numerator and a denominator per period. -#}
{% macro kpi_select(relation, numerator, denominator, fx_needed=none, unconvertible=none, scale=none) -%}
    select
        grain,
        period_start,
        {% if scale %}{{ scale }} * {% endif %}{{ safe_divide(numerator, denominator) }} as value,
        cast({{ numerator }} as double) as numerator,
        cast({{ denominator }} as double) as denominator,
        {{ fx_needed or 'false' }} as fx_needed,
        {{ unconvertible or '0' }} as unconvertible_count
    from {{ relation }}
{%- endmacro %}

{#- A ratio of two KPIs (or of a KPI and a per-period model): value = numerator.value ÷
    denominator.value; fx and unconvertible amounts come from both sides. -#}
{% macro kpi_ratio_of(numerator_model, denominator_model, numerator_column='value', denominator_column='value') -%}
    {#- a denominator that is not a KPI (headcount) has no fx_needed / unconvertible_count -#}
    {%- set denominator_is_kpi = denominator_column == 'value' -%}
    {%- set kind = kpi_kind() -%}
    with periods as (
        {{ kpi_periods(kind) }}
    ),

    numerator_side as (
        select * from {{ ref(numerator_model) }}
    ),

    denominator_side as (
        select * from {{ ref(denominator_model) }}
    )

    select
        periods.grain,
        periods.period_start,
        {{ safe_divide('numerator_side.' ~ numerator_column, 'denominator_side.' ~ denominator_column) }} as value,
        cast(numerator_side.{{ numerator_column }} as double) as numerator,
        cast(denominator_side.{{ denominator_column }} as double) as denominator,
        {%- if denominator_is_kpi %}
        coalesce(numerator_side.fx_needed, false) or coalesce(denominator_side.fx_needed, false) as fx_needed,
        coalesce(numerator_side.unconvertible_count, 0) + coalesce(denominator_side.unconvertible_count, 0)
            as unconvertible_count
        {%- else %}
        coalesce(numerator_side.fx_needed, false) as fx_needed,
        coalesce(numerator_side.unconvertible_count, 0) as unconvertible_count
        {%- endif %}
    from periods
    inner join numerator_side
        on periods.grain = numerator_side.grain and periods.period_start = numerator_side.period_start
    inner join denominator_side
        on periods.grain = denominator_side.grain and periods.period_start = denominator_side.period_start
{%- endmacro %}

{#- A KPI read from a model that already has one row per grain and period (stocks, movements). -#}
{% macro kpi_from_periods(relation, value, numerator=none, denominator=none, fx_needed=none, unconvertible=none) -%}
    select
        grain,
        period_start,
        cast({{ value }} as double) as value,
        cast({{ numerator or 'null' }} as double) as numerator,
        cast({{ denominator or 'null' }} as double) as denominator,
        {{ fx_needed or 'false' }} as fx_needed,
        {{ unconvertible or '0' }} as unconvertible_count
    from {{ relation }}
    where grain in {{ kpi_grains(kpi_kind()) }}
{%- endmacro %}

{#- A distinct count per period (not additive: month, quarter, year) of `id` over dated rows. -#}
{% macro kpi_distinct_count(relation, id, day) -%}
    {%- set kind = kpi_kind() -%}
    with counted as (
        select
            grains.grain,
            {{ period_start('grains.grain', 'rows_.' ~ day) }} as period_start,
            count(distinct rows_.{{ id }}) as distinct_count
        from {{ relation }} as rows_
        cross join {{ grains(kind) }} as grains
        group by 1, 2
    )

    select
        periods.grain,
        periods.period_start,
        cast(coalesce(counted.distinct_count, 0) as double) as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        false as fx_needed,
        0 as unconvertible_count
    from ({{ kpi_periods(kind) }}) as periods
    left join counted on periods.grain = counted.grain and periods.period_start = counted.period_start
{%- endmacro %}
