-- Revenue agrees to the cent across layers: completed trips in Silver and in fct_trips, and
-- every trip in fct_trips and in agg_revenue_daily.
with

silver as (
    select sum(total_fare) as completed_revenue
    from {{ ref('stg_mobility__trips') }}
    where status = 'completed'
),

facts as (
    select
        sum(case when is_completed then total_fare else 0 end) as completed_revenue,
        sum(total_fare) as revenue
    from {{ ref('fct_trips') }}
),

aggregated as (
    select sum(revenue) as revenue
    from {{ ref('agg_revenue_daily') }}
),

final as (
    select
        silver.completed_revenue as silver_completed_revenue,
        facts.completed_revenue as gold_completed_revenue,
        facts.revenue as fact_revenue,
        aggregated.revenue as aggregated_revenue
    from silver
    cross join facts
    cross join aggregated
)

select * from final
where
    coalesce(silver_completed_revenue, 0) != coalesce(gold_completed_revenue, 0)
    or coalesce(fact_revenue, 0) != coalesce(aggregated_revenue, 0)
