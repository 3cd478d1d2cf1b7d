-- Time and distance never run backwards in Gold.
select
    trip_id,
    wait_min,
    duration_min,
    distance_km
from {{ ref('fct_trips') }}
where wait_min < 0 or duration_min < 0 or distance_km < 0
