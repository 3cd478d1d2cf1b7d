-- Telemetry events that break a plausibility rule, with the rule: kept, not dropped.
select * from {{ ref('stg_telemetry__event_versions') }}
where not is_superseded and rejection_reason is not null
