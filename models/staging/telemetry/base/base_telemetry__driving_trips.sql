-- Bronze trip metadata copied into the warehouse; each run reads only the files not copied.
{{ elementary_tables_first() }}
select * from {{ source('telemetry', 'driving_trips') }}
where {{ new_bronze_batches() }}
