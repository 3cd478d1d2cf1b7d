-- Trip metadata rows that break a rule, with the rule (rejection_reason): kept, not dropped.
select * from {{ ref('base_telemetry__driving_trips_validated') }}
where not is_superseded and rejection_reason is not null
