"""The ride-hailing system's stand-in: a synthetic data set delivered as daily CSV files."""
