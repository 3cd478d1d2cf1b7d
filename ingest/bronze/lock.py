"""One writer at a time: an exclusive lock a loader holds on a lakehouse's Bronze while it writes.

The lock is an advisory `flock` on a file in the Bronze directory, so the operating system
releases it when its holder exits, however it exits: a crashed or killed loader never blocks the
next one. A second loader does not wait: it ends at once with one sentence naming the holder.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common.errors import LakehouseError


class BronzeBusy(LakehouseError):
    """Another process is writing these Bronze tables."""

    exit_code = 3


@contextmanager
def loader_lock(bronze_dir: Path, role: str) -> Iterator[None]:
    """Hold the lock of `role` (e.g. "ingest csv") on `bronze_dir` for the duration."""
    bronze_dir.mkdir(parents=True, exist_ok=True)
    path = bronze_dir / f".{role.replace(' ', '-')}.lock"
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise BronzeBusy(
                f"`lakehouse {role}` is already writing {bronze_dir} (pid {holder}): wait for it "
                "to finish, then run it again."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
