-- Every delivered telemetry event, parsed and typed, with the first rule it breaks.
with

events as (
    select * from {{ ref('base_telemetry__events') }}
    where {{ unvalidated_batches() }}
),

{%- set first_delivery_order = '_ingested_at, kafka_partition, kafka_offset' %}
{#- The readings of the event contract (ingest/contracts/telemetry.py), as numbers. -#}
{%- set numbers = [
    'speed_kmh', 'rpm', 'throttle_pct', 'brake_pct', 'acceleration_ms2', 'coolant_temp_c',
    'fuel_rate_lph', 'odometer_km', 'lat', 'lon', 'heading_deg',
] %}

fields as (
    select
        events.*,
        {% for field in numbers + ['gear', 'ts'] %}
            {{ json_text('value', field) }} as {{ field }}_text,
        {% endfor %}
        {{ json_text('value', 'vehicle_id') }} as vehicle_id_text,
        {{ json_text('value', 'driver_id') }} as driver_id_text,
        {{ json_text('value', 'trip_id') }} as trip_id_text
    from events
),

typed as (
    select
        fields.*,
        try_cast(fields.ts_text as bigint) as ts_ms,
        {% for field in numbers %}
            try_cast(fields.{{ field }}_text as double) as {{ field }},
        {% endfor %}
        try_cast(fields.gear_text as integer) as gear
    from fields
),

parsed as (
    select
        -- ids
        event_id,
        {{ clean_key('vehicle_id_text') }} as vehicle_id,
        {{ clean_key('driver_id_text') }} as driver_id,
        {{ clean_key('trip_id_text') }} as trip_id,

        -- timestamps (UTC); only epochs a timestamp can hold become one
        {{ timestamp_from_epoch_ms('ts_ms') }} as event_at,

        -- readings
        {% for field in numbers %}
            {{ field }},
        {% endfor %}
        gear,
        {{ json_text('value', 'dtc') }} as dtc,

        -- typing: the first field delivered in a form the contract does not allow
        case
            when ts_text is not null and not {{ epoch_ms_is_representable('ts_ms') }}
                then 'ts'
            when gear_text is not null and gear is null then 'gear'
            {% for field in numbers %}
                when {{ field }}_text is not null and not {{ is_finite(field) }}
                    then '{{ field }}'
            {% endfor %}
        end as malformed_field,
        greatest(
            length(event_id), length(vehicle_id_text), length(driver_id_text),
            length(trip_id_text)
        ) as longest_id,

        -- delivery
        kafka_partition,
        kafka_offset,
        kafka_timestamp,
        _ingested_at,
        _batch_id,
        {{ bronze_row_id(['kafka_partition', 'kafka_offset']) }} as _row_id
    from typed
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
            when longest_id > {{ var('max_id_length') }} then 'implausible_id_length'
            when malformed_field is not null then 'malformed_' || malformed_field
            when vehicle_id is null or event_at is null then 'missing_required_field'
            when not {{ is_plausible_time('event_at', '_ingested_at') }}
                then 'implausible_event_time'
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
    {{ flag_superseded('checked', 'event_id', first_delivery_order, keyless=none) }}
)

select * from final
