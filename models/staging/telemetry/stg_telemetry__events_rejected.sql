-- Telemetry events that break a plausibility rule, with the rule: kept, not dropped.
select * from {{ ref('base_telemetry__events_validated') }}
where not is_superseded and rejection_reason is not null
