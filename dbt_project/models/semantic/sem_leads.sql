-- One row per lead created up to the as-of date: its source and campaign, the day it became an
-- MQL (NULL when after the as-of date) and whether it has an sql_at by the as-of date.
select
    lead_id,
    created_date,
    coalesce(source, 'unknown') as source,
    nullif(campaign_id, '') as campaign_id,
    cast({{ as_of_or_null('mql_at') }} as date) as mql_date,
    case when {{ as_of_or_null('mql_at') }} is not null and {{ as_of_or_null('sql_at') }} is not null then 1 else 0 end
        as is_sql
from {{ ref('fct_leads') }}
where created_date <= {{ as_of() }}
