{#-
    Nothing is lost between Bronze and Silver: every Bronze row is in the warehouse copy, and
    each copied row is either in the Silver model, in its rejected model, or a duplicate
    (another delivery of the same record: its key, or for a keyless row its content, `keyless`).
    Duplicates are counted from the copy itself, not from the flags the models use, so the test
    checks the models rather than restating them.

    Bronze is compared as of the copy: the batches the copy holds, plus any batch ingested before
    the copy's newest one that it lacks (lost). A batch that lands while the build runs is newer
    than everything the copy read, so a build during landing compares like with like.
-#}
{% test reconciles_with_bronze(model, bronze, base, rejected, key, keyless='_record_hash') %}

with

copied_batches as (
    select distinct _batch_id from {{ base }}
),

bronze_as_of_copy as (
    select * from {{ bronze }}
    where
        _batch_id in (select copied_batches._batch_id from copied_batches)
        or _ingested_at <= (select max(copy._ingested_at) from {{ base }} as copy)
),

counts as (
    select
        (select count(*) from bronze_as_of_copy) as bronze_rows,
        (select count(*) from {{ base }}) as warehouse_rows,
        (select count(*) from {{ model }}) as silver_rows,
        (select count(*) from {{ rejected }}) as rejected_rows,
        (
            select count(*) - count(distinct {{ version_key(clean_key(key), keyless) }})
            from {{ base }}
        ) as duplicate_rows
)

select * from counts
where
    bronze_rows != warehouse_rows
    or bronze_rows != silver_rows + rejected_rows + duplicate_rows

{% endtest %}
