-- One row per simulated trip, with the driving profile: a training label, never a feature.
with

validated as (
    select * from {{ ref('base_telemetry__driving_trips_validated') }}
),

final as (
    select
        trip_id,
        vehicle_id,
        driver_id,
        driving_profile,
        started_at,
        {{ audit_columns() }}
    from validated
    where not is_superseded and rejection_reason is null
)

select * from final
