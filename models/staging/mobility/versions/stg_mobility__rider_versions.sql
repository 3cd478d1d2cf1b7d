-- Every delivered rider version, typed, ranked newest first, with the first rule it breaks.
with

riders as (
    select * from {{ ref('base_mobility__riders') }}
    where {{ unvalidated_batches() }}
),

typed as (
    select
        {{ clean_key('rider_id') }} as rider_id,
        trim(first_name) as first_name,
        trim(last_name) as last_name,
        lower(trim(email)) as email,
        {{ clean_key('home_zone_id') }} as home_zone_id,
        {{ parse_timestamp_utc('signup_at') }} as signup_at,
        {{ audit_columns() }},
        {{ bronze_row_id(['_source_line']) }} as _row_id
    from riders
),

checked as (
    select
        *,
        case
            when rider_id is null then 'missing_rider_id'
            when signup_at is null then 'malformed_timestamp'
            when email is not null and email not like '%_@_%' then 'invalid_email'
        end as rejection_reason
    from typed
),

final as (
    {{ flag_superseded('checked', 'rider_id') }}
)

select * from final
