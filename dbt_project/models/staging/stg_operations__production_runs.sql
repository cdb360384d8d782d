-- Thin staging of raw.production_runs: the contract columns, with the as-of rule applied.
with source as (
    select * from {{ source('operations', 'production_runs') }}
),

renamed as (
    select
        run_id,
        plant_id,
        product_id,
        run_date,
        planned_units,
        produced_units,
        defective_units,
        downtime_minutes,
        run_date as event_date
    from source
)

select * from renamed
where event_date <= {{ as_of() }}
