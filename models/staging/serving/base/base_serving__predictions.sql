-- The API's Bronze prediction log copied into the warehouse; each run reads only new batches.
{{ elementary_tables_first() }}
select * from {{ source('serving', 'prediction_log') }}
where {{ new_bronze_batches() }}
