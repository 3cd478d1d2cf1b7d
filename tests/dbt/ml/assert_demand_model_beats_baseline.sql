-- The demand model's MAE on the test split is at least 15 % below the seasonal-naive baseline's
-- (same hour last week), measured on the same hours. The gate applies once the model has
-- trained on `ml_gate_min_training_days` days (the demo has two weeks): with less it cannot
-- have seen every weekday, and the weekly baseline is not a fair yardstick yet.
with

metrics as (
    select * from {{ ref('ml_demand_training') }}
),

compared as (
    select
        max(training_from) as training_from,
        max(training_to) as training_to,
        max(case when metric = 'mae' then value end) as model_mae,
        max(case when metric = 'baseline_mae' then value end) as baseline_mae
    from metrics
)

select * from compared
where
    training_to >= {{ dbt.dateadd('day', var('ml_gate_min_training_days'), 'training_from') }}
    and (model_mae > 0.85 * baseline_mae or model_mae is null or baseline_mae is null)
