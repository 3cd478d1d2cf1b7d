"""`lakehouse serve`: the prediction API under uvicorn (docs/serving.md)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from common.settings import env, env_int


def serve_command(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default SERVING_HOST, loopback).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port (default SERVING_PORT).")
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=16, help="Worker processes (each loads every model).")
    ] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn's log level.")] = "info",
) -> None:
    """Serve the demand, surge and driving-style models the `champion` alias points to."""
    import uvicorn

    # One thread per prediction: OpenMP's default threads on a shared CPU make the p99 of a
    # one-row prediction 60 times its median (docs/serving.md).
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    uvicorn.run(
        "serving.app:app_from_env",
        factory=True,
        host=host or env("SERVING_HOST"),
        port=port or env_int("SERVING_PORT", 1, 65535),
        workers=workers,
        log_level=log_level,
    )
