{#-
    Which delivered version of a record is current is decided by the source's own order, never
    by when a file happened to be ingested: the delivery date in the landing file's name
    (`<YYYY-MM-DD>.csv`; a simulation's `<start>-...csv`) first, then, for deliveries of the same
    day, the later ingestion, file and line. So re-ingesting an older, modified file replaces
    that day's delivery and reverts no correction a later day delivered.
-#}
{% macro delivery_order() -%}
    {{ delivery_date('_source_file') }} desc nulls last,
    _ingested_at desc,
    _source_file desc,
    _source_line desc
{%- endmacro %}

{#- The delivery date a landing file's name carries (null when it carries none). -#}
{% macro delivery_date(source_file) -%}
    try_cast(
        nullif(regexp_extract({{ source_file }}, '([0-9]{4}-[0-9]{2}-[0-9]{2})[^/]*$', 1), '')
        as date
    )
{%- endmacro %}

{#-
    What identifies a delivered record across versions: its key; a record without a key (it is
    rejected) by its content (`keyless`, the record hash), so the same keyless line delivered
    twice is one rejected record and one duplicate, not two rejections.
-#}
{% macro version_key(key, keyless='_record_hash') -%}
    {%- if keyless -%}
        coalesce({{ key }}, {{ dbt.concat(["'#'", keyless]) }})
    {%- else -%}
        {{ key }}
    {%- endif -%}
{%- endmacro %}

{#- True for every delivery of a record except the one that is kept (first in `order_by`). -#}
{% macro is_superseded(key, order_by=none, keyless='_record_hash') -%}
    (row_number() over (
        partition by {{ version_key(key, keyless) }}
        order by {{ order_by or delivery_order() }}
    ) > 1)
{%- endmacro %}

{#-
    The rows an incremental validation writes: the newly checked ones, plus the versions
    already validated of every record they touch, as they are (only `is_superseded` is computed
    again, over the whole record). On a full build: every row.
-#}
{% macro with_earlier_versions(checked_cte, key, keyless='_record_hash') -%}
    {%- if is_incremental() -%}
        {%- set columns = adapter.get_columns_in_relation(this)
            | map(attribute='name') | reject('equalto', 'is_superseded') | join(', ') -%}
        select {{ columns }} from {{ checked_cte }}
        union all
        select {{ columns }} from {{ this }}
        where {{ version_key(key, keyless) }} in (
            select {{ version_key(checked_cte ~ '.' ~ key, checked_cte ~ '.' ~ keyless if keyless else none) }}
            from {{ checked_cte }}
        )
    {%- else -%}
        select * from {{ checked_cte }}
    {%- endif -%}
{%- endmacro %}

{#-
    The rows a versions model writes (see with_earlier_versions), each flagged
    `is_superseded` over its whole record.
-#}
{% macro flag_superseded(checked_cte, key, order_by=none, keyless='_record_hash') -%}
    select
        *,
        {{ is_superseded(key, order_by, keyless) }} as is_superseded
    from (
        {{ with_earlier_versions(checked_cte, key, keyless) }}
    ) as versions
{%- endmacro %}
