-- avg_resolution_hours: mean hours from opened_at to resolved_at of the support tickets resolved
-- in p (UTC date of resolved_at), exact to the microsecond. A resolved_at after the as-of date
-- reads as empty. Published numerator = Σ resolution hours, denominator = tickets resolved.
with summed as (
    {{ sum_by_period(ref('int_tickets_resolved_daily'), ['resolution_microseconds', 'resolved_tickets']) }}
)

{{ kpi_select('summed', 'resolution_microseconds / 3600000000.0', 'resolved_tickets') }}
