-- Per resolution day (UTC date of resolved_at, up to the as-of date; a resolved_at after it reads
-- as not resolved): tickets resolved and the microseconds they took (exact, from opened_at), and
-- of those with a csat_score, how many scored 4 or 5.
select
    cast(resolved_at as date) as day,
    count(*) as resolved_tickets,
    sum(datediff('microsecond', opened_at, resolved_at)) as resolution_microseconds,
    count(csat_score) as rated_tickets,
    count(csat_score) filter (where csat_score >= 4) as satisfied_tickets
from {{ ref('stg_customer__support_tickets') }}
where
    event_date <= {{ as_of() }}
    and resolved_at is not null
    and cast(resolved_at as date) <= {{ as_of() }}
group by cast(resolved_at as date)
