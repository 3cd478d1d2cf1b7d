"""Foundations every package shares: the settings and the base class of user errors."""
