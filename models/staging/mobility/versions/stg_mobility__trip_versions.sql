-- Every delivered trip version, typed, ranked newest first, with the first rule it breaks.
with

trips as (
    select * from {{ ref('base_mobility__trips') }}
    where {{ unvalidated_batches() }}
),

zones as (
    select * from {{ ref('stg_mobility__zones') }}
),

payment_types as (
    select * from {{ ref('payment_types') }}
),

typed as (
    select
        -- ids
        {{ clean_key('trip_id') }} as trip_id,
        {{ clean_key('rider_id') }} as rider_id,
        {{ clean_key('driver_id') }} as driver_id,
        {{ clean_key('vehicle_id') }} as vehicle_id,
        {{ clean_key('pickup_zone_id') }} as pickup_zone_id,
        {{ clean_key('dropoff_zone_id') }} as dropoff_zone_id,

        -- timestamps (UTC)
        {{ parse_timestamp_utc('requested_at') }} as requested_at,
        {{ parse_timestamp_utc('pickup_at') }} as pickup_at,
        {{ parse_timestamp_utc('dropoff_at') }} as dropoff_at,

        -- measures
        try_cast(distance_km as double) as distance_km,
        try_cast(duration_min as double) as duration_min,
        try_cast(base_fare as decimal(12, 2)) as base_fare,
        try_cast(surge_multiplier as decimal(4, 2)) as surge_multiplier,
        try_cast(tip as decimal(12, 2)) as tip,
        try_cast(total_fare as decimal(12, 2)) as total_fare,
        try_cast(rating as integer) as rating,

        -- attributes
        lower(trim(payment_type)) as payment_type,
        lower(trim(status)) as status,

        -- raw text kept to tell "missing" from "unparseable"
        {%- set measures = [
            ('distance_km', 'double'), ('duration_min', 'double'),
            ('base_fare', 'decimal(12, 2)'), ('surge_multiplier', 'decimal(4, 2)'),
            ('tip', 'decimal(12, 2)'), ('total_fare', 'decimal(12, 2)'), ('rating', 'integer'),
        ] %}
        (
            {%- for column, type in measures %}
                {{ is_malformed_number(column, type) }}{{ ' or' if not loop.last }}
            {%- endfor %}
        ) as has_malformed_number,
        greatest(
            length(trip_id), length(rider_id), length(driver_id), length(vehicle_id),
            length(pickup_zone_id), length(dropoff_zone_id)
        ) as longest_id,
        nullif(trim(requested_at), '') as requested_at_raw,
        nullif(trim(pickup_at), '') as pickup_at_raw,
        nullif(trim(dropoff_at), '') as dropoff_at_raw,

        -- audit
        {{ audit_columns() }},
        {{ bronze_row_id(['_source_line']) }} as _row_id
    from trips
),

checked as (
    select
        *,
        case
            when longest_id > {{ var('max_id_length') }} then 'implausible_id_length'
            when trip_id is null then 'missing_trip_id'
            when
                (requested_at_raw is not null and requested_at is null)
                or (pickup_at_raw is not null and pickup_at is null)
                or (dropoff_at_raw is not null and dropoff_at is null)
                then 'malformed_timestamp'
            when has_malformed_number then 'malformed_number'
            when
                not {{ is_plausible_time('requested_at') }}
                or not {{ is_plausible_time('coalesce(pickup_at, requested_at)') }}
                or not {{ is_plausible_time('coalesce(dropoff_at, requested_at)') }}
                then 'implausible_timestamp'
            when
                rider_id is null or pickup_zone_id is null or requested_at is null
                or status is null or base_fare is null or total_fare is null
                or surge_multiplier is null
                then 'missing_required_field'
            when status not in ('completed', 'cancelled', 'no_show') then 'invalid_status'
            when payment_type not in (select payment_types.payment_type from payment_types)
                then 'invalid_payment_type'
            when base_fare < 0 or total_fare < 0 or tip < 0 then 'negative_amount'
            when total_fare > 1000 then 'implausible_fare'
            when surge_multiplier not between 1 and 5 then 'surge_out_of_range'
            when pickup_zone_id not in (select zones.zone_id from zones)
                or dropoff_zone_id not in (select zones.zone_id from zones)
                then 'unknown_zone'
            when pickup_at < requested_at or dropoff_at < pickup_at
                then 'timestamps_out_of_order'
            when status = 'completed'
                and (
                    pickup_at is null or dropoff_at is null or distance_km is null
                    or distance_km < 0 or duration_min < 0
                )
                then 'incomplete_completed_trip'
            when rating not between 1 and 5 then 'rating_out_of_range'
        end as rejection_reason
    from typed
),

final as (
    {{ flag_superseded('checked', 'trip_id') }}
)

select * from final
