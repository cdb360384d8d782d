-- The rows of every KPI model (grain, period, value, numerator, denominator, whether fx was
-- needed, unconvertible amounts), before kpi_values trims them to each KPI's first period and
-- judges them measurable. Incremental by KPI and period (macros/incremental_facts.sql,
-- kpi_reopen_days): a night computes again, per KPI, the periods that end on or after the
-- earliest day its inputs changed (or the as-of date moved), and keeps the earlier ones.
-- depends_on: {{ ref('int_periods') }}, {{ source('meta', 'changed_event_dates') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ reopen_kpi_rows() }}",
    post_hook="{{ record_watermark() }}"
) }}
{% set reopen = kpi_reopen_days() %}

with kpi_rows as (
    {% for model_name in kpi_models() %}
        select
            '{{ kpi_id_of(model_name) }}' as kpi_id,
            grain,
            period_start,
            cast(value as double) as value,
            cast(numerator as double) as numerator,
            cast(denominator as double) as denominator,
            coalesce(fx_needed, false) as fx_needed,
            cast(coalesce(unconvertible_count, 0) as bigint) as unconvertible_count
        from {{ ref(model_name) }}
        {{ reopened_kpi_periods(reopen, kpi_id_of(model_name)) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from kpi_rows
{{ in_key_order('grain, period_start') }}
