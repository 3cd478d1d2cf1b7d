-- Riders whose newest version breaks a rule, with the rule (rejection_reason): kept, not dropped.
select * from {{ ref('stg_mobility__rider_versions') }}
where not is_superseded and rejection_reason is not null
