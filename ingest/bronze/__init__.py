"""Bronze: the store of raw records with audit columns (Delta Lake or plain Parquet)."""
