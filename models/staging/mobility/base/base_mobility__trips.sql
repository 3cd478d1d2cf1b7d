-- Bronze trips copied into the warehouse; each run reads only the batches not copied yet.
{{ elementary_tables_first() }}
select * from {{ source('mobility', 'trips') }}
where {{ new_bronze_batches() }}
