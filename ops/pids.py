"""Pid files of the services the project starts in the background (broker, Airflow)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def running_pid(pid_file: Path) -> int | None:
    """The pid `pid_file` names if that process is running, else None (a child of this process
    that has exited is reaped, not taken for running)."""
    try:
        pid = int(pid_file.read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return None
    return pid
