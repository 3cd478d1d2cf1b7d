{#- A continuous percentile (0 <= fraction <= 1) of a numeric column, as an aggregate. -#}
{% macro percentile(column, fraction) -%}
    {{ return(adapter.dispatch('percentile', 'mobility_lakehouse')(column, fraction)) }}
{%- endmacro %}

{% macro default__percentile(column, fraction) -%}
    quantile_cont({{ column }}, {{ fraction }})
{%- endmacro %}

{% macro spark__percentile(column, fraction) -%}
    percentile({{ column }}, {{ fraction }})
{%- endmacro %}

{#- ISO day of week: 1 = Monday ... 7 = Sunday. -#}
{% macro day_of_week(column) -%}
    {{ return(adapter.dispatch('day_of_week', 'mobility_lakehouse')(column)) }}
{%- endmacro %}

{% macro default__day_of_week(column) -%}
    isodow({{ column }})
{%- endmacro %}

{% macro spark__day_of_week(column) -%}
    (dayofweek({{ column }}) + 5) % 7 + 1
{%- endmacro %}

{#- The RPM band a reading falls in (the bands of the vehicle-health marts). -#}
{% macro rpm_band(column) -%}
    case
        when {{ column }} < 1500 then 'lt_1500'
        when {{ column }} < 3000 then '1500_3000'
        when {{ column }} < 4500 then '3000_4500'
        when {{ column }} < 6000 then '4500_6000'
        when {{ column }} >= 6000 then 'ge_6000'
    end
{%- endmacro %}

{#- Minutes from one timestamp to another (fractional; null if either is null). -#}
{% macro minutes_between(start_column, end_column) -%}
    cast({{ dbt.datediff(start_column, end_column, 'second') }} as double) / 60
{%- endmacro %}

{#-
    dbt-spark's dateadd goes through unix seconds and to_timestamp, which moves hours on a
    Spark session whose time zone is not the JVM's; Spark's own timestampadd does not.
-#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}
