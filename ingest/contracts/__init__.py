"""Contracts between components: defined once, imported by the producing and consuming side."""
