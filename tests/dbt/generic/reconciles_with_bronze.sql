{#-
    Nothing is lost between Bronze and Silver: every Bronze row is in the warehouse copy, and
    each copied row is either in the Silver model, in its rejected model, or a duplicate
    (an older or repeated delivery of a key). Duplicates are counted from the copy itself, not
    from the flags the models use, so the test checks the models rather than restating them.
-#}
{% test reconciles_with_bronze(model, bronze, base, rejected, key) %}

with

counts as (
    select
        (select count(*) from {{ bronze }}) as bronze_rows,
        (select count(*) from {{ base }}) as warehouse_rows,
        (select count(*) from {{ model }}) as silver_rows,
        (select count(*) from {{ rejected }}) as rejected_rows,
        (
            select count(*) - count(distinct {{ clean_key(key) }})
            from {{ base }}
            where {{ clean_key(key) }} is not null
        ) as duplicate_rows
)

select * from counts
where
    bronze_rows != warehouse_rows
    or bronze_rows != silver_rows + rejected_rows + duplicate_rows

{% endtest %}
