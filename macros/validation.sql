{#-
    Rules the versions models share to keep any delivered value from breaking a build: each
    turns what an engine cannot hold, or what cannot be true, into a rejection reason.
-#}

{#- True for a number an aggregate can use: not null, not NaN, not an infinity. -#}
{% macro is_finite(column) -%}
    ({{ column }} is not null and {{ column }} between -1e300 and 1e300)
{%- endmacro %}

{#-
    True when a record's time lies in the window a real record can have, relative to when it
    was ingested: at most `plausible_history_days` before it (replayed history is fine, 1969
    is not) and at most `plausible_clock_skew_minutes` after it (a clock slightly ahead).
-#}
{% macro is_plausible_time(column, ingested_at='_ingested_at') -%}
    (
        {{ column }} >= {{ dbt.dateadd(
            'day', -var('plausible_history_days'), 'cast(' ~ ingested_at ~ ' as timestamp)'
        ) }}
        and {{ column }} <= {{ dbt.dateadd(
            'minute', var('plausible_clock_skew_minutes'), 'cast(' ~ ingested_at ~ ' as timestamp)'
        ) }}
    )
{%- endmacro %}

{#- True when a text holds something but not a number the `type` column can take (garbage,
    NaN, an infinity, a value beyond the type's range). -#}
{% macro is_malformed_number(column, type) -%}
    (
        nullif(trim({{ column }}), '') is not null
        and not {{ is_finite('try_cast(' ~ column ~ ' as ' ~ type ~ ')') }}
    )
{%- endmacro %}
