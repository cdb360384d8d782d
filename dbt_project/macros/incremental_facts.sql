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

{#- The changes since the model's watermark, read once (run_query) when the model is built, so
    that changed_rows writes them as constants: a list of dates and a date reach the table scan,
    which then skips every block outside them, where the same test written as subqueries on the
    ledger ran on every row (a night at scale 100: the select of fct_order_lines took 0.49 s
    alone with the subqueries, 0.14 s with the constants). Only
    ingestion writes the ledger, before dbt runs, so the constants hold for the whole build.
    A history of ten years has fewer than 4,000 dates: the list stays small. -#}
{% macro _changes_since_watermark(tables, every_date_tables, fx) -%}
    {%- set ledger = source('meta', 'changed_event_dates') -%}
    {%- set everything = tables + every_date_tables + (['fx_rates'] if fx else []) -%}
    {%- set rows = run_query(
        "select 'day' as kind, cast(changed.event_date as varchar) as day from " ~ ledger ~ " as changed"
        ~ " where changed.table_name in " ~ _changed_tables(tables) ~ " and changed.event_date is not null"
        ~ " and changed.change_seq > " ~ _watermark() ~ " group by changed.event_date"
        ~ " union all select 'every_date', null where " ~ _changed_on_every_date(everything)
        ~ " union all select 'fx_from', cast(" ~ _min_fx_change() ~ " as varchar)"
        ~ " order by 1, 2"
    ).rows -%}
    {%- set fx_from = rows | selectattr(0, 'equalto', 'fx_from') | map(attribute=1) | list -%}
    {{ return({
        'days': rows | selectattr(0, 'equalto', 'day') | map(attribute=1) | list,
        'every_date': rows | selectattr(0, 'equalto', 'every_date') | list | length > 0,
        'fx_from': fx_from[0] if fx_from else none,
    }) }}
{%- endmacro %}

{#- The rows to build again: those of a date that changed in `tables` since the model's watermark;
    with `currency_expr` (or `needs_fx_expr`), also the rows that need a rate on or after the
    earliest changed fx rate date; every row when one of `tables` + `every_date_tables` (or
    fx_rates, with a currency) changed on every date. Not read when dbt parses (no database):
    `true` stands in. -#}
{% macro changed_rows(tables, date_expr, currency_expr=none, every_date_tables=[], needs_fx_expr=none) -%}
    {%- set needs_fx = needs_fx_expr or (currency_expr ~ " <> 'USD'" if currency_expr else none) -%}
    {%- if not execute -%}
    (true)
    {%- else -%}
    {%- set known = _changes_since_watermark(tables, every_date_tables, needs_fx is not none) -%}
    (
        {%- if known['every_date'] %}
        true
        {%- else %}
        {%- if known['days'] %}
        {{ date_expr }} in ({% for day in known['days'] %}date '{{ day }}'{% if not loop.last %}, {% endif %}{% endfor %})
        {%- else %}
        false
        {%- endif %}
        {%- if needs_fx and known['fx_from'] %}
        or ({{ needs_fx }} and {{ date_expr }} >= date '{{ known['fx_from'] }}')
        {%- endif %}
        {%- endif %}
    )
    {%- endif -%}
{%- endmacro %}

{% macro reopen_changed_rows(tables, date_column, currency_column=none, every_date_tables=[], needs_fx_column=none) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ changed_rows(tables, date_column, currency_column, every_date_tables, needs_fx_column) }}
    {%- endif -%}
{%- endmacro %}

{#- dbt_project.yml on-run-start: the bookkeeping tables of the incremental models (the last
    change_seq consumed, and the as-of date of the last build, for the period models). -#}
{% macro create_watermarks() -%}
    create schema if not exists meta;
    create table if not exists meta.dbt_watermarks (model_name varchar, consumed_seq bigint);
    create table if not exists meta.dbt_model_as_of (model_name varchar, as_of date)
{%- endmacro %}

{% macro record_watermark() -%}
    delete from meta.dbt_watermarks where model_name = '{{ this.identifier }}';
    insert into meta.dbt_watermarks
    select '{{ this.identifier }}', coalesce(max(change_seq), 0) from {{ source('meta', 'changed_event_dates') }};
    delete from meta.dbt_model_as_of where model_name = '{{ this.identifier }}';
    insert into meta.dbt_model_as_of select '{{ this.identifier }}', {{ as_of() }}
{%- endmacro %}

{#- A model keyed by an entity (a customer) whose row of a day reads the entity's other days
    (window functions over its days: the next and the previous order day), so that a changed
    date changes rows of other dates of the same entity. A night re-opens every row of each
    entity that has a row on a changed date, before (in {{ this }}) or after (in `relation`, the
    model it reads; the same rule as changed_rows): the pre-hook records those keys in
    meta.<model>__reopened_keys and deletes their rows, and the model's select builds again the
    rows of the recorded keys (`in_reopened_keys`). An entity whose last row went away (an
    order cancelled) is recorded from {{ this }}, so its rows go; one that still has rows gets
    them all again.
    - `reopen_changed_keys(key, relation, tables, date_column, ...)`: its pre-hook;
    - `in_reopened_keys(key)`: in its select, the where clause of the keys built (nothing on a
      full build). -#}
{% macro _reopened_keys() -%}
    meta.{{ this.identifier }}__reopened_keys
{%- endmacro %}

{% macro reopen_changed_keys(key, relation, tables, date_column, every_date_tables=[], needs_fx_column=none) -%}
    {%- if is_incremental() -%}
        {%- set changed = changed_rows(tables, date_column, none, every_date_tables, needs_fx_column) -%}
        create or replace table {{ _reopened_keys() }} as
        select {{ key }} as reopened_key from {{ this }} where {{ changed }}
        union
        select {{ key }} as reopened_key from {{ relation }} where {{ changed }};
        delete from {{ this }} where {{ key }} in (select reopened_key from {{ _reopened_keys() }})
    {%- endif -%}
{%- endmacro %}

{% macro in_reopened_keys(key) -%}
    {%- if is_incremental() %}where {{ key }} in (select reopened_key from {{ _reopened_keys() }}){% endif -%}
{%- endmacro %}

{#- Incremental models keyed by period (grain, period_start), built from day rows that do not
    depend on the as-of date. A night deletes (pre-hook) the periods whose rows may have changed
    since the model last ran, and builds again every period that is not in the table (its own
    select: `where not exists` a row of that period in {{ this }}); the day rows it reads are
    bounded below by `reopen_from`, so a night reads the days of its open periods only.

    A period is re-opened when
    - it holds an event date that changed in one of `tables` (new, restated, resolved again);
    - it ends on or after a changed fx rate's date (fx=true: non-USD rows convert at it);
    - it holds a day after the earlier of the as-of date of the model's last build and today's,
      up to the later (a period comes into view, moves its measurement day, becomes complete, or
      goes out of view: _as_of_moved_from);
    - always, when one of `tables` + `every_date_tables` (or fx_rates) changed on every date, or
      the model has no as-of date on record (a first incremental build). -#}

{% macro _changed_tables(tables) -%}
    ({% for t in tables %}'{{ t }}'{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{% macro _last_as_of() -%}
    (select max(recorded.as_of) from meta.dbt_model_as_of as recorded where recorded.model_name = '{{ this.identifier }}')
{%- endmacro %}

{#- The first day that the move of the as-of date since the model's last build (from a to b) can
    change: a period's rows read its days up to its measurement day (its last day, or the as-of
    date when that is earlier), so the periods that change are those holding a day after the
    earlier of a and b, up to the later. A period that ends on the earlier date was measured at
    its last day both times (a night after a month's last day does not build that month again). -#}
{% macro _as_of_moved_from() -%}
    (least({{ _last_as_of() }}, {{ as_of() }}) + 1)
{%- endmacro %}

{#- Whether one of `tables` changed on every date (a NULL event date in the ledger) since the
    model's watermark. -#}
{% macro _changed_on_every_date(tables) -%}
    exists (
        select 1 from {{ source('meta', 'changed_event_dates') }} as changed
        where changed.table_name in {{ _changed_tables(tables) }}
          and changed.event_date is null and changed.change_seq > {{ _watermark() }}
    )
{%- endmacro %}

{% macro _reopen_everything(tables, every_date_tables, fx) -%}
    (
        {{ _last_as_of() }} is null
        or {{ _changed_on_every_date(tables + every_date_tables + (['fx_rates'] if fx else [])) }}
    )
{%- endmacro %}

{#- The earliest changed event date of `tables` since the model's watermark (null: none). -#}
{% macro _min_change(tables) -%}
    (
        select min(changed.event_date) from {{ source('meta', 'changed_event_dates') }} as changed
        where changed.table_name in {{ _changed_tables(tables) }} and changed.change_seq > {{ _watermark() }}
    )
{%- endmacro %}

{% macro _min_fx_change() -%}
    {{ _min_change(['fx_rates']) }}
{%- endmacro %}

{% macro period_reopened(grain_expr, start_expr, tables, every_date_tables=[], fx=true) -%}
    (
        {{ _reopen_everything(tables, every_date_tables, fx) }}
        or {{ start_expr }} between {{ period_start(grain_expr, _as_of_moved_from()) }}
            and {{ period_start(grain_expr, 'greatest(' ~ _last_as_of() ~ ', ' ~ as_of() ~ ')') }}
        {%- if fx %}
        or {{ start_expr }} >= {{ period_start(grain_expr, _min_fx_change()) }}
        {%- endif %}
        or exists (
            select 1 from {{ source('meta', 'changed_event_dates') }} as changed
            where changed.table_name in {{ _changed_tables(tables) }}
              and changed.change_seq > {{ _watermark() }}
              and {{ period_start(grain_expr, 'changed.event_date') }} = {{ start_expr }}
        )
    )
{%- endmacro %}

{#- The first day of the earliest period period_reopened can re-open (years are the longest
    grain): the day rows before it are not read again. -#}
{% macro reopen_from(tables, every_date_tables=[], fx=true) -%}
    {%- set candidates = [_as_of_moved_from(), 'coalesce(' ~ _min_change(tables) ~ ', ' ~ as_of() ~ ')'] -%}
    {%- if fx -%}
        {%- do candidates.append('coalesce(' ~ _min_fx_change() ~ ', ' ~ as_of() ~ ')') -%}
    {%- endif -%}
    (
        select case
            when {{ _reopen_everything(tables, every_date_tables, fx) }} then cast('0001-01-01' as date)
            else {{ period_start("'year'", 'least(' ~ candidates | join(', ') ~ ')') }}
        end
    )
{%- endmacro %}

{#- The pre-hook's delete judges each (grain, period_start) of the table once, not each row: the
    condition, with its subqueries on the ledger, runs over the table's few distinct periods
    (`_built_periods`), and the rows of the re-opened ones are deleted by key (at scale 100, the
    11.6 M rows of int_revenue_by_customer_product_period were judged one by one before; its
    night, dbt at one thread, went from 3.44 to 2.91 s). -#}
{% macro _built_periods() -%}
    (select distinct grain as built_grain, period_start as built_start from {{ this }})
{%- endmacro %}

{% macro _delete_periods_where(condition) -%}
    delete from {{ this }} where exists (
        select 1 from {{ _built_periods() }} as built
        where built.built_grain = grain and built.built_start = period_start and {{ condition }}
    )
{%- endmacro %}

{% macro reopen_changed_periods(tables, every_date_tables=[], fx=true, carry=none) -%}
    {%- if is_incremental() -%}
        {%- set frontier = appended_after(tables, fx) if carry else none -%}
        {%- if frontier -%}
            {{ carry_open_periods(frontier, carry) }}
        {%- else -%}
            {{ _delete_periods_where(period_reopened('built.built_grain', 'built.built_start', tables, every_date_tables, fx)) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- A night that only adds days. When every change since the model's last build is dated after
    that build's as-of date F (new days: no day up to F new, restated, resolved again or
    re-converted by a late fx rate, nothing changed on every date) and the as-of date did not
    move back, the rows of a period up to F still hold, and the periods that change are those
    holding a day in (F, as-of]: new ones, and at most one open period per grain, the one that
    holds both F and F + 1 (a year's period is open on every night but the last of the year).
    A model whose values are sums or unions of its day rows then adds the new days to an open
    period instead of building it again (at scale 100 a year's period of
    int_revenue_by_customer_product_period holds about 900 k rows, a night's day about 5 k):
    - `appended_after(tables, fx)`: F ('YYYY-MM-DD') on such a night, none otherwise (the
      model then re-opens its periods as above);
    - the pre-hook (`carry_open_periods`) moves the rows of the open periods whose key has a day
      row in (F, as-of] in `carry.days` into meta.<model>__carried, and deletes them;
    - the select reads the days after F (`reopened_days(..., frontier)`), builds every period
      they fall in (`only_missing_periods(..., frontier)`: no filter) and adds the carried rows
      (`carried_rows`) before its group by, so that an open period's key gets its old row and
      its new days summed once more. Carrying a key with no new day is harmless (its row comes
      back unchanged); missing one is not, so `carry.key` must be a column of both that is never
      NULL (a customer_id: the contract requires it on orders). -#}
{% macro appended_after(tables, fx=true) -%}
    {%- if execute and is_incremental() -%}
        {%- set rows = run_query(
            "select cast(last_build.as_of as varchar) from (select " ~ _last_as_of() ~ " as as_of) as last_build"
            ~ " where last_build.as_of is not null and " ~ as_of() ~ " >= last_build.as_of and not exists ("
            ~ "select 1 from " ~ source('meta', 'changed_event_dates') ~ " as changed"
            ~ " where changed.table_name in " ~ _changed_tables(tables + (['fx_rates'] if fx else []))
            ~ " and changed.change_seq > " ~ _watermark()
            ~ " and (changed.event_date is null or changed.event_date <= last_build.as_of))"
        ).rows -%}
        {{ return(rows[0][0] if rows else none) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{% macro _carried() -%}
    meta.{{ this.identifier }}__carried
{%- endmacro %}

{#- The open periods: per grain, the period that holds both F and F + 1 (none for a day; a year's
    on every night but the last of the year). Read once (run_query) and written as constants,
    which the scan of the model's rows, stored in (grain, period_start) order, uses to skip every
    block outside them (at scale 100 the carry reads the year's 0.9 M rows, not all 11.6 M). The
    two IN lists in `carry_open_periods` only let the scan skip blocks (a filter on one column
    reaches it, the OR of pairs does not); the OR of (grain, period_start) pairs decides. -#}
{% macro _open_periods(frontier) -%}
    {%- set day = "date '" ~ frontier ~ "'" -%}
    {%- set rows = run_query(
        "select grains.grain, cast(" ~ period_start('grains.grain', day) ~ " as varchar)"
        ~ " from " ~ grains('flow') ~ " as grains"
        ~ " where " ~ period_start('grains.grain', day) ~ " = " ~ period_start('grains.grain', day ~ ' + 1')
    ).rows -%}
    {{ return(rows) }}
{%- endmacro %}

{% macro carry_open_periods(frontier, carry) -%}
    {%- set open = _open_periods(frontier) -%}
    {%- set carried -%}
        {%- if open | length == 0 -%}
        false
        {%- else -%}
        built_row.grain in ({% for g, _ in open %}'{{ g }}'{% if not loop.last %}, {% endif %}{% endfor %})
        and built_row.period_start in ({% for _, d in open %}date '{{ d }}'{% if not loop.last %}, {% endif %}{% endfor %})
        and ({% for g, d in open %}(built_row.grain = '{{ g }}' and built_row.period_start = date '{{ d }}'){% if not loop.last %} or {% endif %}{% endfor %})
        and built_row.{{ carry['key'] }} in (
            select new_days.{{ carry['key'] }} from {{ ref(carry['days']) }} as new_days
            where new_days.{{ carry['day'] }} > date '{{ frontier }}' and new_days.{{ carry['day'] }} <= {{ as_of() }}
        )
        {%- endif -%}
    {%- endset -%}
    create or replace table {{ _carried() }} as select * from {{ this }} as built_row where {{ carried }};
    delete from {{ this }} as built_row where {{ carried }}
{%- endmacro %}

{% macro carried_rows(columns, frontier) -%}
    {%- if frontier %}
    union all
    select {{ columns | join(', ') }} from {{ _carried() }}
    {%- endif -%}
{%- endmacro %}

{#- In the model's select, inside {% if is_incremental() %}: the period is not in the table (after
    the pre-hook's delete: re-opened, or new). -#}
{% macro period_missing(grain_expr, start_expr) -%}
    not exists (
        select 1 from {{ _built_periods() }} as built
        where built.built_grain = {{ grain_expr }} and built.built_start = {{ start_expr }}
    )
{%- endmacro %}

{#- The revenue bridge's models, keyed by bridge period p (int_revenue_bridge_periods): p is
    re-opened when p, its previous period or its year-ago period is re-opened (period_reopened),
    and its rows are deleted when p is no longer a bridge period. The model's select then builds
    the bridge periods missing from the table (period_missing). The spine's columns are renamed
    in the subqueries, so that the unqualified `grain` of a pre-hook's delete names the row
    deleted. -#}
{% macro bridge_period_reopened(grain_expr, start_expr, tables) -%}
    (
        not exists (
            select 1
            from (select grain as spine_grain, period_start as spine_start from {{ ref('int_revenue_bridge_periods') }}) as spine
            where spine.spine_grain = {{ grain_expr }} and spine.spine_start = {{ start_expr }}
        )
        or exists (
            select 1
            from (
                select
                    grain as spine_grain,
                    period_start as spine_start,
                    previous_start as spine_previous,
                    year_ago_start as spine_year_ago
                from {{ ref('int_revenue_bridge_periods') }}
            ) as spine
            where
                spine.spine_grain = {{ grain_expr }}
                and spine.spine_start = {{ start_expr }}
                and (
                    {{ period_reopened('spine.spine_grain', 'spine.spine_start', tables) }}
                    or {{ period_reopened('spine.spine_grain', 'spine.spine_previous', tables) }}
                    or {{ period_reopened('spine.spine_grain', 'spine.spine_year_ago', tables) }}
                )
        )
    )
{%- endmacro %}

{% macro reopen_changed_bridge_periods(tables) -%}
    {%- if is_incremental() -%}
        {{ _delete_periods_where(bridge_period_reopened('built.built_grain', 'built.built_start', tables)) }}
    {%- endif -%}
{%- endmacro %}

{#- The three pieces of a model incremental by period, each written once:
    - `incremental_by_period(tables, fx, carry)` / `incremental_by_bridge_period(tables)`: its
      config (append; the pre-hook deletes the re-opened periods, or with `carry` on a night that
      only adds days carries the open periods' touched rows, see `appended_after`; the post-hook
      records the watermark). With `carry` it returns the night's frontier ('' when none), so that
      the select decides from the same arguments as the pre-hook:
      `{% set frontier = incremental_by_period(tables, carry={...}) %}`;
    - `reopened_days(day_expr, tables, fx, frontier)`: in the where clause over the day rows, the
      lower bound of the days a night reads (nothing on a full build);
    - `only_missing_periods(grain_expr, start_expr, frontier)`: the where clause that builds the
      periods not in the table (nothing on a full build, nor on a night that only adds days). -#}
{#- The config of every model of this file: appended rows, a pre-hook that deletes what a night
    builds again, the watermark recorded after. -#}
{% macro _incremental_append(pre_hook) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook=pre_hook,
        post_hook="{{ record_watermark() }}"
    ) }}
{%- endmacro %}

{% macro incremental_by_period(tables, fx=true, carry=none) -%}
    {{ _incremental_append("{{ reopen_changed_periods(" ~ tables ~ ", fx=" ~ fx ~ ", carry=" ~ carry ~ ") }}") }}
    {{- return((appended_after(tables, fx) if carry else none) or '') }}
{%- endmacro %}

{% macro incremental_by_bridge_period(tables) -%}
    {{ _incremental_append("{{ reopen_changed_bridge_periods(" ~ tables ~ ") }}") }}
{%- endmacro %}

{#- A model keyed by day (a daily aggregate of facts: one row per day up to the as-of date, read
    from the rows of that date only), incremental like the facts it reads. A night deletes
    (pre-hook) and builds again the days that
    - hold a changed event date of one of its raw inputs (dbt lineage, raw_inputs_of) since the
      model's watermark;
    - are on or after the earliest changed fx rate date, when it converts money (fx_rates is
      among its inputs): a late rate converts again every later day's non-USD rows;
    - lie after the earlier of the as-of date of its last build and today's, up to the later
      (days come into view, or go out of view when the as-of date moves back);
    and every day on a first incremental build, or when one of its inputs changed on every date
    (a dimension table: products). The days are read once (run_query) and written as constants
    (changed_rows), so that the scans of its facts skip every other block (a night at scale 100:
    int_orders_costed_daily joined 2 M orders with their costs, table rebuilt whole, 1.6-2.5 s).
    A model that reads a looks_ahead model cannot be one: a row of its day can change with a
    later day's row.
    - `incremental_by_day()`: its config;
    - `days_to_build(date_expr)`: in its select, the where clause on each fact's date (`true` on
      a full build). -#}
{% macro incremental_by_day() -%}
    {{ _incremental_append("{{ reopen_changed_days() }}") }}
{%- endmacro %}

{% macro days_to_build(date_expr) -%}
    {%- if not (execute and is_incremental()) -%}
        true
    {%- else -%}
        {%- if looks_ahead(model.unique_id) -%}
            {{ exceptions.raise_compiler_error(model.name ~ " reads a model marked looks_ahead: a row of its day can change with a later day's row, so it cannot be incremental_by_day") }}
        {%- endif -%}
        {%- set inputs = raw_inputs_of(model.unique_id) -%}
        {%- set dated = inputs | reject('equalto', 'fx_rates') | list -%}
        {#- the as-of date's move, as the period models judge it (_as_of_moved_from) -#}
        {%- set known = run_query(
            "select cast(" ~ _last_as_of() ~ " as varchar), cast(" ~ _as_of_moved_from() ~ " as varchar),"
            ~ " cast(greatest(" ~ _last_as_of() ~ ", " ~ as_of() ~ ") as varchar)"
        ).rows[0] -%}
        {%- if known[0] is none -%}
        true
        {%- else -%}
        ({{ changed_rows(dated, date_expr, needs_fx_expr=('true' if 'fx_rates' in inputs else none)) }}
            or {{ date_expr }} between date '{{ known[1] }}' and date '{{ known[2] }}')
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro reopen_changed_days() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ days_to_build('day') }}
    {%- endif -%}
{%- endmacro %}

{#- At the end of an incremental model's select: on a full build, its rows are written in the order
    of the key a night deletes and reads them by (a day, a period). A warehouse keeps each block's
    smallest and largest value of a column (DuckDB: per row group of 122,880 rows), so a night's
    delete and its readers' filters and joins on recent days or periods skip the blocks of the
    history; a night appends its own rows in a block of their own. -#}
{% macro in_key_order(columns) -%}
    {%- if not is_incremental() %}
order by {{ columns }}
    {%- endif -%}
{%- endmacro %}

{% macro reopened_days(day_expr, tables, fx=true, frontier=none) -%}
    {%- if frontier %} and {{ day_expr }} > date '{{ frontier }}'
    {%- elif is_incremental() %} and {{ day_expr }} >= {{ reopen_from(tables, fx=fx) }}{% endif -%}
{%- endmacro %}

{% macro only_missing_periods(grain_expr, start_expr, frontier=none) -%}
    {%- if is_incremental() and not frontier %}where {{ period_missing(grain_expr, start_expr) }}{% endif -%}
{%- endmacro %}

{#- Whether the period spine may start on another day than at the last build: there is no spine,
    a changed event date meets or precedes its first day, or a table with an event date changed
    on every date (its first, full resolution). `changes`: rows (table, earliest changed event
    date 'YYYY-MM-DD' or none, changed on every date); `spine_first`: its first day, or none.
    The publish decides the same in Python (lib/publish.py, spine_moves; tests/test_dbt_project.py
    holds the two to the same cases). -#}
{% macro spine_moves(changes, spine_first) -%}
    {%- set dated = event_dated_tables() | map(attribute=1) | list -%}
    {%- set moved = [spine_first is none] -%}
    {%- for table, first, every in changes -%}
        {%- do moved.append(first is not none and spine_first is not none and first <= spine_first) -%}
        {%- do moved.append(every and table in dated) -%}
    {%- endfor -%}
    {{ return(true in moved) }}
{%- endmacro %}

{#- int_kpi_rows: the rows of every KPI model, incremental by KPI and period. A KPI's value of a
    period reads only days up to the period's measurement day (values look back), so a night
    computes again, per KPI, the periods of every grain that end on or after its reopen day:
    the earliest of
    - the day after the earlier of the as-of date of the model's last build and today's
      (periods come into view, move their measurement day, complete or go out of view:
      _as_of_moved_from);
    - the earliest changed event date of the KPI's input tables (dbt lineage, raw_inputs_of)
      since the model's watermark;
    - among them fx_rates, for a KPI that converts money (its lineage reads the rates): a late
      rate converts again every later amount; a KPI without money is not re-opened by one;
    and everything (0001-01-01) on a first incremental build, when one of those tables
    changed on every date (a table without event date), when the period spine,
    hence every KPI's periods, may start elsewhere (spine_moves), and
    always for a KPI that reads a model marked looks_ahead (macros/kpi_graph.sql).
    The reopen days are read once per build (run_query), so that each KPI model is filtered by
    constants its view can push down to its periods. -#}
{#- The state a reopen day is judged by, on an incremental build: two small queries (the
    model's last as-of date, the first day the as-of date's move can change and the spine's
    first day; the ledger's changes per table since its watermark). -#}
{% macro _reopen_state() -%}
    {%- set state = run_query(
        "select cast(" ~ _last_as_of() ~ " as varchar), cast(" ~ _as_of_moved_from() ~ " as varchar),"
        ~ " cast((select min(spine.period_start) from " ~ ref('int_periods') ~ " as spine"
        ~ " where spine.grain = 'day') as varchar)"
    ).rows[0] -%}
    {%- set first_change, every_date = {}, [] -%}
    {%- set changes = run_query(
        "select changed.table_name, cast(min(changed.event_date) as varchar), bool_or(changed.event_date is null)"
        ~ " from " ~ source('meta', 'changed_event_dates') ~ " as changed"
        ~ " where changed.change_seq > " ~ _watermark() ~ " group by changed.table_name"
    ).rows -%}
    {%- for row in changes -%}
        {%- if row[1] is not none -%}{%- do first_change.update({row[0]: row[1]}) -%}{%- endif -%}
        {%- if row[2] -%}{%- do every_date.append(row[0]) -%}{%- endif -%}
    {%- endfor -%}
    {{ return({
        'last_as_of': state[0], 'as_of_moved_from': state[1], 'first_change': first_change, 'every_date': every_date,
        'spine_moved': spine_moves(changes, state[2])
    }) }}
{%- endmacro %}

{#- The reopen day ('YYYY-MM-DD') of a node that looks back (a value of a period reads days up to
    its measurement day), reading raw `tables` (its lineage, fx_rates among them when it
    converts money): see above. -#}
{% macro _reopen_day(state, tables, looks_ahead=false) -%}
    {%- set candidates = [state['as_of_moved_from']] -%}
    {%- set everything = [state['last_as_of'] is none or state['spine_moved'] or looks_ahead] -%}
    {%- for t in tables -%}
        {%- if t in state['every_date'] -%}{%- do everything.append(true) -%}{%- endif -%}
        {%- if t in state['first_change'] -%}{%- do candidates.append(state['first_change'][t]) -%}{%- endif -%}
    {%- endfor -%}
    {{ return('0001-01-01' if true in everything else candidates | reject('none') | min) }}
{%- endmacro %}

{#- kpi_id -> its reopen day ('YYYY-MM-DD'), on an incremental build; {} otherwise. -#}
{% macro kpi_reopen_days() -%}
    {%- set days = {} -%}
    {%- if execute and is_incremental() -%}
        {%- set state = _reopen_state() -%}
        {%- for node, kpi in kpi_nodes() -%}
            {%- do days.update({kpi['kpi_id']: _reopen_day(state, raw_inputs_of(node.unique_id), looks_ahead(node.unique_id))}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(days) }}
{%- endmacro %}

{#- A model keyed by period (grain, period_start) whose value of a period, like a KPI's, reads
    the days up to its measurement day (it looks back): incremental as int_kpi_rows is per KPI.
    A night deletes (pre-hook) and builds again the periods that end on or after its reopen day
    (raw inputs from its lineage). Used where a row's effect is a range of days, not its event
    date's period (a subscription runs from valid_from until valid_to), so that
    incremental_by_period's re-opening of the changed dates' own periods would not do.
    - `incremental_looking_back()`: its config;
    - `looking_back_periods(grain_expr, start_expr)`: in its select, the where clause of the
      periods it builds (`true` on a full build). -#}
{% macro model_reopen_day() -%}
    {%- if execute and is_incremental() -%}
        {{ return(_reopen_day(_reopen_state(), raw_inputs_of(model.unique_id), looks_ahead(model.unique_id))) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{% macro incremental_looking_back() -%}
    {{ _incremental_append("{{ reopen_looking_back() }}") }}
{%- endmacro %}

{% macro reopen_looking_back() -%}
    {%- set day = model_reopen_day() -%}
    {%- if day -%}
        delete from {{ this }} where {{ periods_from('grain', 'period_start', day) }}
    {%- endif -%}
{%- endmacro %}

{% macro looking_back_periods(grain_expr, start_expr) -%}
    {%- set day = model_reopen_day() -%}
    {%- if day -%}{{ periods_from(grain_expr, start_expr, day) }}{%- else -%}true{%- endif -%}
{%- endmacro %}

{#- The rows of periods (of any grain) that end on or after `day`: first by a constant (the start
    of its year) that a KPI model's view pushes down to its periods, then exactly. -#}
{% macro periods_from(grain_expr, start_expr, day) -%}
    {{ start_expr }} >= {{ period_start("'year'", "date '" ~ day ~ "'") }}
    and {{ start_expr }} >= {{ period_start(grain_expr, "date '" ~ day ~ "'") }}
{%- endmacro %}

{#- In int_kpi_rows, after a KPI model's `from`: the where clause of its re-opened periods
    (nothing on a full build). -#}
{% macro reopened_kpi_periods(reopen, kpi_id) -%}
    {%- if kpi_id in reopen %}where {{ periods_from('grain', 'period_start', reopen[kpi_id]) }}{% endif -%}
{%- endmacro %}

{% macro reopen_kpi_rows() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where false
        {%- for kpi_id, day in kpi_reopen_days().items() %}
            or (kpi_id = '{{ kpi_id }}' and {{ periods_from('grain', 'period_start', day) }})
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}
