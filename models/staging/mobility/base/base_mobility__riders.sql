-- Bronze riders copied into the warehouse; each run reads only the batches not copied yet.
{{ elementary_tables_first() }}
select * from {{ source('mobility', 'riders') }}
where {{ new_bronze_batches() }}
