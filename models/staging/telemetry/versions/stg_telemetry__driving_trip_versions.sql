-- Every delivered trip-metadata row, typed, ranked newest first, with the first rule it breaks.
with

trips as (
    select * from {{ ref('base_telemetry__driving_trips') }}
    where {{ unvalidated_batches() }}
),

typed as (
    select
        {{ clean_key('trip_id') }} as trip_id,
        {{ clean_key('vehicle_id') }} as vehicle_id,
        {{ clean_key('driver_id') }} as driver_id,
        lower(trim(driving_profile)) as driving_profile,
        {{ parse_timestamp_utc('started_at') }} as started_at,
        {{ audit_columns() }},
        {{ bronze_row_id(['_source_line']) }} as _row_id
    from trips
),

checked as (
    select
        *,
        case
            when trip_id is null then 'missing_trip_id'
            when vehicle_id is null or driver_id is null then 'missing_required_field'
            when started_at is null then 'malformed_timestamp'
            when driving_profile not in ('calm', 'normal', 'aggressive')
                then 'invalid_driving_profile'
        end as rejection_reason
    from typed
),

final as (
    {{ flag_superseded('checked', 'trip_id') }}
)

select * from final
