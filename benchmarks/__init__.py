"""Benchmarks, run from a checkout (`make bench-*`, `python -m benchmarks ...`)."""
