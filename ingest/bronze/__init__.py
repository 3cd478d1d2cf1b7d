"""Bronze: Delta Lake tables holding raw records plus audit columns, and their rejects."""
