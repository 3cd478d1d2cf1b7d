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
