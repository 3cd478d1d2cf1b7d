"""The `lakehouse` command: one module per command group, one error handler (`app`)."""
