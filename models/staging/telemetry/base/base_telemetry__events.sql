-- Bronze telemetry copied into the warehouse; each run reads only the micro-batches not copied.
{{ elementary_tables_first() }}
select * from {{ source('telemetry', 'telemetry_events') }}
where {{ new_bronze_batches() }}
