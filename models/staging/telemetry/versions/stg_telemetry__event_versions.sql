-- Every delivered telemetry event, parsed and typed, with the first rule it breaks.
with

events as (
    select * from {{ ref('base_telemetry__events') }}
    where {{ unvalidated_batches() }}
),

parsed as (
    select
        -- ids
        event_id,
        {{ clean_key(json_text('value', 'vehicle_id')) }} as vehicle_id,
        {{ clean_key(json_text('value', 'driver_id')) }} as driver_id,
        {{ clean_key(json_text('value', 'trip_id')) }} as trip_id,

        -- timestamps (UTC)
        {{ timestamp_from_epoch_ms("try_cast(" ~ json_text('value', 'ts') ~ " as bigint)") }}
            as event_at,

        -- readings
        try_cast({{ json_text('value', 'speed_kmh') }} as double) as speed_kmh,
        try_cast({{ json_text('value', 'rpm') }} as double) as rpm,
        try_cast({{ json_text('value', 'gear') }} as integer) as gear,
        try_cast({{ json_text('value', 'throttle_pct') }} as double) as throttle_pct,
        try_cast({{ json_text('value', 'brake_pct') }} as double) as brake_pct,
        try_cast({{ json_text('value', 'acceleration_ms2') }} as double) as acceleration_ms2,
        try_cast({{ json_text('value', 'coolant_temp_c') }} as double) as coolant_temp_c,
        try_cast({{ json_text('value', 'fuel_rate_lph') }} as double) as fuel_rate_lph,
        try_cast({{ json_text('value', 'odometer_km') }} as double) as odometer_km,
        try_cast({{ json_text('value', 'lat') }} as double) as lat,
        try_cast({{ json_text('value', 'lon') }} as double) as lon,
        try_cast({{ json_text('value', 'heading_deg') }} as double) as heading_deg,
        {{ json_text('value', 'dtc') }} as dtc,

        -- delivery
        kafka_partition,
        kafka_offset,
        kafka_timestamp,
        _ingested_at,
        _batch_id,
        {{ bronze_row_id(['kafka_partition', 'kafka_offset']) }} as _row_id
    from events
),

-- The newest reading of each vehicle validated in earlier runs (all of which arrived earlier).
validated_before as (
    {% if is_incremental() %}
        select
            vehicle_id,
            max(event_at) as latest_event_at
        from {{ this }}
        where vehicle_id in (select parsed.vehicle_id from parsed)
        group by vehicle_id
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as vehicle_id,
            cast(null as {{ dbt.type_timestamp() }}) as latest_event_at
        where 1 = 0
    {% endif %}
),

ordered as (
    select
        parsed.*,
        -- A vehicle's events share a partition, so offsets give their arrival order; an event
        -- is late when a later reading of the same vehicle arrived before it (in this batch
        -- or an earlier one). greatest() skips nulls.
        greatest(
            max(parsed.event_at) over (
                partition by parsed.vehicle_id
                order by parsed.kafka_partition, parsed.kafka_offset
                rows between unbounded preceding and 1 preceding
            ),
            validated_before.latest_event_at
        ) as latest_earlier_arrival_at
    from parsed
    left join validated_before on parsed.vehicle_id = validated_before.vehicle_id
),

checked as (
    select
        *,
        coalesce(
            {{ dbt.datediff('event_at', 'latest_earlier_arrival_at', 'second') }}, 0
        ) > 0 as is_late,
        rpm is null or speed_kmh is null or coolant_temp_c is null as has_missing_reading,
        case
            when vehicle_id is null or event_at is null then 'missing_required_field'
            when rpm not between 0 and 8000 then 'rpm_out_of_range'
            when speed_kmh not between 0 and 300 then 'speed_out_of_range'
            when coolant_temp_c not between -40 and 150 then 'coolant_out_of_range'
            when throttle_pct not between 0 and 100 then 'throttle_out_of_range'
            when brake_pct not between 0 and 100 then 'brake_out_of_range'
        end as rejection_reason
    from ordered
),

final as (
    -- A re-sent event keeps its first delivery.
    {{ flag_superseded('checked', 'event_id', '_ingested_at, kafka_partition, kafka_offset') }}
)

select * from final
