-- One row per day from the first to the last day with trips or telemetry.
with

bounds as (
    select
        min(activity_day) as first_day,
        max(activity_day) as last_day
    from (
        select cast(requested_at as date) as activity_day from {{ ref('stg_mobility__trips') }}
        union all
        select cast(event_at as date) as activity_day from {{ ref('stg_telemetry__events') }}
    ) as activity_days
),

spine as (
    {{ dbt_utils.date_spine(
        datepart='day',
        start_date="cast('2000-01-01' as date)",
        end_date="cast('2101-01-01' as date)"
    ) }}
),

holidays as (
    select * from {{ ref('holidays') }}
),

final as (
    select
        cast(spine.date_day as date) as date_day,
        -- bigint on every engine (Spark's extract gives int, DuckDB's bigint)
        cast(extract(year from spine.date_day) as bigint) as year_number,
        cast(extract(quarter from spine.date_day) as bigint) as quarter_number,
        cast(extract(month from spine.date_day) as bigint) as month_number,
        cast({{ day_of_week('spine.date_day') }} as bigint) as day_of_week,
        {{ day_of_week('spine.date_day') }} >= 6 as is_weekend,
        holidays.holiday_name is not null as is_holiday,
        holidays.holiday_name
    from spine
    inner join bounds
        on cast(spine.date_day as date) between bounds.first_day and bounds.last_day
    left join holidays on cast(spine.date_day as date) = holidays.holiday_date
)

select * from final
