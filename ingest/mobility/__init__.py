"""The ride-hailing (mobility) source: entity schemas and the synthetic data generator."""
