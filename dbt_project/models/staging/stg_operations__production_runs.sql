-- Thin staging of raw.production_runs: the contract columns, typed for exact sums and the event date.
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
        -- summed exactly: a decimal, not a float
        cast(downtime_minutes as decimal(38, 10)) as downtime_minutes,
        run_date as event_date
    from source
)

select * from renamed
