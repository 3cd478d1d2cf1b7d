"""Whether a server accepts connections: how the project tells one that answers from one that
is not there (the broker, the Spark cluster's ports, dbt's package hub, a Connect URL)."""

from __future__ import annotations

import socket

LOOPBACK = "127.0.0.1"


def accepts(host: str, port: int, timeout: float = 0.2) -> bool:
    """Whether something accepts TCP connections at host:port within `timeout` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def listening(port: int, timeout: float = 0.2) -> bool:
    """Whether something on this machine listens on `port` (loopback, where the project's
    broker and Spark cluster bind)."""
    return accepts(LOOPBACK, port, timeout)
