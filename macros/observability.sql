{#-
    Makes Elementary's tables ancestors of a model (`-- depends_on` refs), so that any selection
    with its parents (`+model`, `@model`) builds them first: Elementary's tests and its upload of
    run results need them, and a fresh warehouse has none. Called by every Bronze copy.
-#}
{% macro elementary_tables_first() -%}
    {%- for table in [
        'dbt_run_results', 'dbt_invocations', 'dbt_models', 'dbt_tests', 'dbt_sources',
        'dbt_exposures', 'dbt_columns', 'dbt_seeds', 'dbt_snapshots', 'dbt_metrics',
        'dbt_groups', 'dbt_artifacts_hashes', 'dbt_source_freshness_results',
        'elementary_test_results', 'test_result_rows', 'schema_columns_snapshot',
        'data_monitoring_metrics', 'metadata',
    ] %}
-- depends_on: {{ ref('elementary', table) }}
    {% endfor -%}
{%- endmacro %}
