{#- Incremental facts: a night re-opens exactly the event dates whose rows changed.

    Ingestion writes meta.changed_event_dates (table_name, event_date, change_seq): the dates of
    new rows, of restated rows (old and new version), and of rows resolved again because their
    parent or currency changed acceptance; a NULL date means "every date" (a first build, or a
    table without event date). Each incremental model remembers the last change_seq it consumed
    (meta.dbt_watermarks). On each run it deletes (pre-hook) and selects again the rows of the
    changed dates of the tables it reads, and, for money facts, every non-USD row on or after a
    changed fx rate date (a late or restated rate re-opens what it converts). A changed
    dimension table (products...) re-opens everything.

    config(materialized='incremental', incremental_strategy='append',
           pre_hook=reopen_changed_rows(...), post_hook=record_watermark())
    and in the model: where {{ changed_rows(...) }} inside {% if is_incremental() %}. -#}

{% macro _watermark() -%}
    (select coalesce(max(consumed_seq), 0) from meta.dbt_watermarks where model_name = '{{ this.identifier }}')
{%- endmacro %}

{% macro changed_rows(tables, date_expr, currency_expr=none, every_date_tables=[]) -%}
    (
        {{ date_expr }} in (
            select changed.event_date from {{ source('meta', 'changed_event_dates') }} as changed
            where changed.table_name in ({% for t in tables %}'{{ t }}'{% if not loop.last %}, {% endif %}{% endfor %})
              and changed.change_seq > {{ _watermark() }}
        )
        or exists (
            select 1 from {{ source('meta', 'changed_event_dates') }} as changed
            where changed.table_name in ({% for t in tables + every_date_tables %}'{{ t }}'{% if not loop.last %}, {% endif %}{% endfor %})
              and changed.event_date is null and changed.change_seq > {{ _watermark() }}
        )
        {%- if currency_expr %}
        or ({{ currency_expr }} <> 'USD' and {{ date_expr }} >= (
            select min(changed.event_date) from {{ source('meta', 'changed_event_dates') }} as changed
            where changed.table_name = 'fx_rates' and changed.change_seq > {{ _watermark() }}
        ))
        or exists (
            select 1 from {{ source('meta', 'changed_event_dates') }} as changed
            where changed.table_name = 'fx_rates' and changed.event_date is null
              and changed.change_seq > {{ _watermark() }}
        )
        {%- endif %}
    )
{%- endmacro %}

{% macro reopen_changed_rows(tables, date_column, currency_column=none, every_date_tables=[]) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ changed_rows(tables, date_column, currency_column, every_date_tables) }}
    {%- endif -%}
{%- endmacro %}

{#- dbt_project.yml on-run-start: the bookkeeping table of the incremental models. -#}
{% macro create_watermarks() -%}
    create schema if not exists meta;
    create table if not exists meta.dbt_watermarks (model_name varchar, consumed_seq bigint)
{%- endmacro %}

{% macro record_watermark() -%}
    delete from meta.dbt_watermarks where model_name = '{{ this.identifier }}';
    insert into meta.dbt_watermarks
    select '{{ this.identifier }}', coalesce(max(change_seq), 0) from {{ source('meta', 'changed_event_dates') }}
{%- endmacro %}
