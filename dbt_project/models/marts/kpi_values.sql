-- kpi.kpi_values: one row per KPI, grain and period, from the KPI's first period to the period
-- of the as-of date, with whether the value can be trusted and why not (kpis.md).
--
-- First period: the period containing the earliest event date of the KPI's input tables (tables
-- without an event date and fx_rates do not count); when none of them has rows, the earliest
-- event date of the whole landing zone. Measurable: every input table has accepted rows, at
-- most `quarantine_threshold` of its rows in the period are quarantined, and every amount
-- could be converted to USD. fx_rates counts only for a value that needs a non-USD amount
-- converted. A KPI with a missing input table (other than fx_rates) is NULL.
{{ config(materialized='table') }}

with kpi_rows as (
    select * from {{ ref('int_kpi_rows') }}
),

periods as (
    select * from {{ ref('int_periods') }}
),

inputs as (
    select * from {{ ref('int_kpi_inputs') }}
),

bounds as (
    select * from {{ ref('int_event_date_bounds') }}
),

table_status as (
    select * from {{ source('meta', 'table_status') }}
),

quality as (
    select * from {{ ref('int_table_quality_by_period') }}
),

first_days as (
    select
        kpis.kpi_id,
        coalesce(
            min(bounds.min_event_date) filter (where inputs.input_table <> 'fx_rates'),
            (select min(all_bounds.min_event_date) from bounds as all_bounds)
        ) as first_day
    from (select distinct kpi_id from kpi_rows) as kpis
    left join inputs on kpis.kpi_id = inputs.kpi_id
    left join bounds on inputs.input_table = bounds.table_name
    group by kpis.kpi_id
),

input_issues as (
    select
        kpi_rows.kpi_id,
        kpi_rows.grain,
        kpi_rows.period_start,
        inputs.input_table,
        coalesce(table_status.rows_loaded, 0) = 0 as is_missing,
        quality.quarantined_share
    from kpi_rows
    inner join inputs on kpi_rows.kpi_id = inputs.kpi_id
    left join table_status on inputs.input_table = table_status.table_name
    left join quality
        on
            inputs.input_table = quality.table_name
            and kpi_rows.grain = quality.grain
            and kpi_rows.period_start = quality.period_start
    -- fx_rates matters only where a non-USD amount had to be converted
    where inputs.input_table <> 'fx_rates' or kpi_rows.fx_needed
),

issue_texts as (
    select
        kpi_id,
        grain,
        period_start,
        bool_or(is_missing and input_table <> 'fx_rates') as has_missing_input,
        string_agg(
            case
                when is_missing
                    then input_table || ': no accepted rows (the table is missing or every row was rejected)'
                when quarantined_share > {{ var('quarantine_threshold') }}
                    then
                        input_table || ': ' || printf('%.2f', 100 * quarantined_share)
                        || '% of rows quarantined in this period (limit '
                        || printf('%.2f', 100 * {{ var('quarantine_threshold') }}) || '%)'
            end,
            '; ' order by input_table
        ) as issues
    from input_issues
    group by kpi_id, grain, period_start
),

assembled as (
    select
        kpi_rows.kpi_id,
        kpi_rows.grain,
        kpi_rows.period_start,
        periods.period_end,
        case when coalesce(issue_texts.has_missing_input, false) then null else kpi_rows.value end as value,
        case when coalesce(issue_texts.has_missing_input, false) then null else kpi_rows.numerator end as numerator,
        case when coalesce(issue_texts.has_missing_input, false) then null else kpi_rows.denominator end
            as denominator,
        periods.is_complete,
        nullif(concat_ws(
            '; ',
            issue_texts.issues,
            case
                when kpi_rows.unconvertible_count > 0
                    then
                        kpi_rows.unconvertible_count || ' amount(s) could not be converted to USD '
                        || '(no fx rate on or before their date; add the rates to fx_rates)'
            end
        ), '') as quality_issues
    from kpi_rows
    inner join periods
        on
            kpi_rows.grain = periods.grain
            and kpi_rows.period_start = periods.period_start
    inner join first_days on kpi_rows.kpi_id = first_days.kpi_id
    left join issue_texts
        on
            kpi_rows.kpi_id = issue_texts.kpi_id
            and kpi_rows.grain = issue_texts.grain
            and kpi_rows.period_start = issue_texts.period_start
    where kpi_rows.period_start >= {{ period_start('kpi_rows.grain', 'first_days.first_day') }}
)

select
    kpi_id,
    grain,
    period_start,
    period_end,
    value,
    numerator,
    denominator,
    is_complete,
    quality_issues is null as is_measurable,
    quality_issues
from assembled
