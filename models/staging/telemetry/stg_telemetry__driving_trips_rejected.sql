-- Trip metadata rows that break a rule, with the rule (rejection_reason): kept, not dropped.
select * from {{ ref('stg_telemetry__driving_trip_versions') }}
where not is_superseded and rejection_reason is not null
