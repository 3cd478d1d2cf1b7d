{#- The time-based train/test cut-off: the instant `1 - test_fraction` of the way from the first
    to the last value of `column`, truncated to `grain` (a day: a cut-off date). An aggregate:
    select it from the whole table in a one-row CTE and cross join that (a window over the whole
    table, `min(...) over ()`, would move every row into one Spark partition). Rows before it
    train, rows from it on test; no shuffling across time. -#}
{% macro split_cutoff(column, test_fraction, grain='day') -%}
    {{ dbt.date_trunc(grain, adapter.dispatch('split_instant', 'mobility_lakehouse')(column, test_fraction)) }}
{%- endmacro %}

{% macro default__split_instant(column, test_fraction) -%}
    make_timestamp(cast(
        epoch_us(min({{ column }}))
        + (1 - {{ test_fraction }}) * (epoch_us(max({{ column }})) - epoch_us(min({{ column }})))
        as bigint
    ))
{%- endmacro %}

{% macro spark__split_instant(column, test_fraction) -%}
    timestamp_micros(cast(
        unix_micros(min({{ column }}))
        + (1 - {{ test_fraction }}) * (unix_micros(max({{ column }})) - unix_micros(min({{ column }})))
        as bigint
    ))
{%- endmacro %}

{#- The split a row belongs to, given its time and the cut-off column. -#}
{% macro split_label(column, cutoff_column='split_cutoff_at') -%}
    case when {{ column }} < {{ cutoff_column }} then 'train' else 'test' end
{%- endmacro %}
