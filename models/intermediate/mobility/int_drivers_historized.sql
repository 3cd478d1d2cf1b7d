-- Every valid version of every driver, with the period it was valid for (SCD type 2).
with

versions as (
    select * from {{ ref('stg_mobility__driver_versions') }}
    where rejection_reason is null
),

deliveries as (
    select
        *,
        -- The same version delivered twice is one version: keep its newest delivery.
        row_number() over (
            partition by driver_id, updated_at
            order by {{ delivery_order() }}
        ) as delivery_rank
    from versions
),

final as (
    select
        driver_id,
        first_name,
        last_name,
        home_zone_id,
        vehicle_id,
        rating_tier,
        status,
        joined_at,
        updated_at as valid_from,
        lead(updated_at) over (partition by driver_id order by updated_at) as valid_to
    from deliveries
    where delivery_rank = 1
)

select * from final
