{#- Appended to every compiled Python model (dbt's hook for extra code): the models read the
    invocation id as `dbt.invocation_id`, so MLflow runs point back to the dbt run. -#}
{% macro py_script_comment() %}
dbtObj.invocation_id = "{{ invocation_id }}"
{% endmacro %}
