-- Per day (up to the as-of date): leads created that day (UTC date of created_at); and of the
-- leads that became an MQL that day (UTC date of mql_at), those with an sql_at. Both judged as
-- of the as-of date: an mql_at or sql_at after it has not happened yet, and a lead created after
-- it does not exist yet. (mql_to_sql_rate judges sql_at at the as-of date, not at p's end.)
with leads as (
    select
        created_date,
        cast({{ as_of_or_null('mql_at') }} as date) as mql_date,
        {{ as_of_or_null('sql_at') }} as sql_at
    from {{ ref('fct_leads') }}
    where created_date <= {{ as_of() }}
),

created as (
    select
        created_date as day,
        count(*) as leads
    from leads
    group by created_date
),

qualified as (
    select
        mql_date as day,
        count(*) as mql_leads,
        count(sql_at) as sql_leads
    from leads
    where mql_date is not null
    group by mql_date
)

select
    coalesce(created.day, qualified.day) as day,
    coalesce(created.leads, 0) as leads,
    coalesce(qualified.mql_leads, 0) as mql_leads,
    coalesce(qualified.sql_leads, 0) as sql_leads
from created
full outer join qualified on created.day = qualified.day
