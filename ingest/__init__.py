"""Ingestion for the mobility lakehouse: synthetic data, CSV and Kafka landing into Bronze."""
