"""The `lakehouse` command line (`ops.cli`) and the operator tooling it runs: the embedded
broker, the dbt packages, the Elementary report and the run summary."""
