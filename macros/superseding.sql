{#-
    True for every delivery of a key except the one that is kept: by default the newest
    (later batch, then later file, then later line), as for CSV sources where a re-send
    corrects a record. Rows without a key are never superseded: they are rejected.
-#}
{% macro is_superseded(
    key, order_by='_ingested_at desc, _source_file desc, _source_line desc'
) -%}
    ({{ key }} is not null and row_number() over (
        partition by {{ key }}
        order by {{ order_by }}
    ) > 1)
{%- endmacro %}

{#-
    The rows an incremental validation writes: the newly checked ones, plus the versions
    already validated of every key they touch, as they are (only `is_superseded` is computed
    again, over the whole key). On a full build: every row.
-#}
{% macro with_earlier_versions(checked_cte, key) -%}
    {%- if is_incremental() -%}
        {%- set columns = adapter.get_columns_in_relation(this)
            | map(attribute='name') | reject('equalto', 'is_superseded') | join(', ') -%}
        select {{ columns }} from {{ checked_cte }}
        union all
        select {{ columns }} from {{ this }}
        where {{ key }} in (
            select {{ checked_cte }}.{{ key }} from {{ checked_cte }}
            where {{ checked_cte }}.{{ key }} is not null
        )
    {%- else -%}
        select * from {{ checked_cte }}
    {%- endif -%}
{%- endmacro %}

{#-
    The rows a versions model writes (see with_earlier_versions), each flagged
    `is_superseded` over its whole key.
-#}
{% macro flag_superseded(checked_cte, key, order_by=none) -%}
    select
        *,
        {{ is_superseded(key, order_by) if order_by else is_superseded(key) }} as is_superseded
    from (
        {{ with_earlier_versions(checked_cte, key) }}
    ) as versions
{%- endmacro %}
