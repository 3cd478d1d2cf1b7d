-- The simulator's driver behaviour profiles (the driving-style model's classes).
with

profiles as (
    select * from {{ ref('driving_profiles') }}
),

known as (
    select
        {{ surrogate_key(['driving_profile']) }} as driving_profile_key,
        driving_profile,
        description,
        speed_factor,
        throttle_gain,
        brake_gain,
        max_brake,
        brake_anticipation_s,
        upshift_rpm,
        downshift_rpm
    from profiles
),

unknown as (
    select
        {{ unknown_key() }} as driving_profile_key,
        'unknown' as driving_profile,
        'No profile recorded' as description,
        cast(null as double) as speed_factor,
        cast(null as double) as throttle_gain,
        cast(null as double) as brake_gain,
        cast(null as double) as max_brake,
        cast(null as double) as brake_anticipation_s,
        cast(null as integer) as upshift_rpm,
        cast(null as integer) as downshift_rpm
),

final as (
    select * from known
    union all
    select * from unknown
)

select * from final
