"""The one base class of every error a user can cause.

A `LakehouseError` carries a message that is one sentence naming the thing and what to do, and
the exit code the `lakehouse` command ends with. The command line has one handler that turns it
into that sentence (`ops.cli.app`); library code raises it and never prints.
"""

from __future__ import annotations


class LakehouseError(Exception):
    """An error the user can fix; `str(error)` is the sentence shown to them."""

    exit_code = 1


class InvalidSetting(LakehouseError, ValueError):
    """An environment variable, option or configuration value outside its allowed range."""
