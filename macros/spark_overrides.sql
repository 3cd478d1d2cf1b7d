{#-
    dbt-spark's dateadd goes through unix seconds and to_timestamp, which moves hours on a
    Spark session whose time zone is not the JVM's; Spark's own timestampadd does not.
-#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}

{#-
    dbt-spark's `session` connection formats seed values into the INSERT without escaping
    quotes, so a seed value with an apostrophe ("New Year's Day") breaks the statement. This
    is dbt-spark's `spark__load_csv_rows` with the text values escaped first.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set bindings = [] -%}
        {%- for row in chunk -%}
            {%- for value in row -%}
                {%- do bindings.append(
                    value.replace("\\", "\\\\").replace("'", "\\'") if value is string else value
                ) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set type = column_override.get(
                        col_name, adapter.convert_type(agate_table, loop.index0)
                    ) -%}
                    cast({{ get_binding_char() }} as {{ type }})
                    {%- if not loop.last %},{% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) -%}
        {%- if loop.first -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}

{#-
    Elementary's data type normalization on Spark (dispatched from the project first, see
    dbt_project.yml): the Bronze baselines name DuckDB's types, which Spark calls otherwise,
    so `schema_changes_from_baseline` compares like with like on both engines.
-#}
{% macro spark__get_normalized_data_type(exact_data_type) %}
    {%- set spark_names = {
        "VARCHAR": "STRING",
        "TEXT": "STRING",
        "TIMESTAMP WITH TIME ZONE": "TIMESTAMP",
        "INTEGER": "INT",
    } -%}
    {{ return(spark_names.get(exact_data_type, exact_data_type)) }}
{% endmacro %}

{#-
    Elementary's drop of its on-run-end temporary relations on Spark: they are session
    temporary views (no schema), whose relation carries no type, which dbt-spark's
    drop_relation refuses ("its type is null") after the metrics were inserted. Typed relations
    are dropped as Elementary does.
-#}
{% macro spark__fully_drop_relation(relation) %}
    {%- if relation.type is none -%}
        {%- do run_query('drop view if exists ' ~ relation.identifier) -%}
    {%- else -%}
        {%- do adapter.drop_relation(relation) -%}
    {%- endif -%}
{% endmacro %}
