-- Every delivered driver version, typed, ranked newest first, with the first rule it breaks.
with

drivers as (
    select * from {{ ref('base_mobility__drivers') }}
    where {{ unvalidated_batches() }}
),

typed as (
    select
        {{ clean_key('driver_id') }} as driver_id,
        trim(first_name) as first_name,
        trim(last_name) as last_name,
        {{ clean_key('home_zone_id') }} as home_zone_id,
        {{ clean_key('vehicle_id') }} as vehicle_id,
        lower(trim(rating_tier)) as rating_tier,
        lower(trim(status)) as status,
        {{ parse_timestamp_utc('joined_at') }} as joined_at,
        {{ parse_timestamp_utc('updated_at') }} as updated_at,
        {{ audit_columns() }},
        {{ bronze_row_id(['_source_line']) }} as _row_id
    from drivers
),

checked as (
    select
        *,
        case
            when driver_id is null then 'missing_driver_id'
            when joined_at is null or updated_at is null then 'malformed_timestamp'
            when status not in ('active', 'inactive', 'suspended') then 'invalid_status'
            when rating_tier not in ('bronze', 'silver', 'gold', 'platinum')
                then 'invalid_rating_tier'
        end as rejection_reason
    from typed
),

final as (
    {{ flag_superseded('checked', 'driver_id') }}
)

select * from final
