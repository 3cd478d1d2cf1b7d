-- Per vehicle with telemetry and day: RPM and coolant with 7- and 28-day rolling averages,
-- time in each RPM band, the coolant trend, overheating minutes and trouble codes. Every day
-- has a row (days without telemetry have nulls), so the rolling windows count calendar days.
with

minutes as (
    select * from {{ ref('fct_vehicle_telemetry_minute') }}
),

days as (
    select * from {{ ref('dim_date') }}
),

per_day as (
    select
        vehicle_id,
        date_day,
        cast(sum(readings) as bigint) as readings,
        sum(avg_rpm * readings) / nullif(sum(readings), 0) as avg_rpm,
        sum(avg_coolant_temp_c * readings) / nullif(sum(readings), 0) as avg_coolant_temp_c,
        max(max_coolant_temp_c) as max_coolant_temp_c,
        {% for band in ['lt_1500', '1500_3000', '3000_4500', '4500_6000', 'ge_6000'] %}
            sum(seconds_rpm_{{ band }}) as seconds_rpm_{{ band }},
        {% endfor %}
        count(case when max_coolant_temp_c >= {{ var('overheat_coolant_c') }} then 1 end)
            as overheating_minutes,
        cast(sum(dtc_count) as bigint) as dtc_count
    from minutes
    group by vehicle_id, date_day
),

spine as (
    select
        vehicles.vehicle_id,
        days.date_day,
        cast(
            row_number() over (partition by vehicles.vehicle_id order by days.date_day)
            as bigint
        ) as day_number
    from (select distinct vehicle_id from per_day) as vehicles
    cross join days
),

filled as (
    select
        spine.vehicle_id,
        spine.date_day,
        spine.day_number,
        per_day.readings,
        per_day.avg_rpm,
        per_day.avg_coolant_temp_c,
        per_day.max_coolant_temp_c,
        {% for band in ['lt_1500', '1500_3000', '3000_4500', '4500_6000', 'ge_6000'] %}
            coalesce(per_day.seconds_rpm_{{ band }}, 0) as seconds_rpm_{{ band }},
        {% endfor %}
        coalesce(per_day.overheating_minutes, 0) as overheating_minutes,
        coalesce(per_day.dtc_count, 0) as dtc_count
    from spine
    left join per_day
        on spine.vehicle_id = per_day.vehicle_id and spine.date_day = per_day.date_day
),

final as (
    select
        {{ surrogate_key(['vehicle_id', 'date_day']) }} as vehicle_day_id,
        *,
        avg(avg_rpm) over (
            partition by vehicle_id order by date_day rows between 6 preceding and current row
        ) as avg_rpm_7d,
        avg(avg_rpm) over (
            partition by vehicle_id order by date_day rows between 27 preceding and current row
        ) as avg_rpm_28d,
        avg(avg_coolant_temp_c) over (
            partition by vehicle_id order by date_day rows between 6 preceding and current row
        ) as avg_coolant_temp_c_7d,
        avg(avg_coolant_temp_c) over (
            partition by vehicle_id order by date_day rows between 27 preceding and current row
        ) as avg_coolant_temp_c_28d,
        -- Degrees per day, fitted over the days with telemetry among the last 7 (two at least).
        case
            when count(avg_coolant_temp_c) over (
                    partition by vehicle_id
                    order by date_day rows between 6 preceding and current row
                ) >= 2
                then regr_slope(avg_coolant_temp_c, day_number) over (
                        partition by vehicle_id
                        order by date_day rows between 6 preceding and current row
                    )
        end as coolant_trend_c_per_day
    from filled
)

select * from final
