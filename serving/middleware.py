"""The API's pure ASGI middleware: request ids, Prometheus metrics and the prediction log's
rows of every predict request (docs/serving.md)."""

from __future__ import annotations

import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving import metrics, predictions
from serving.models import ServedModel

PREDICT_PREFIX = "/v1/"


class Measure:
    """Pure ASGI middleware: a request id for every request (the `x-request-id` header), its
    latency and count in Prometheus, and the prediction log's rows of every predict request
    (refused ones too). Starlette's `BaseHTTPMiddleware` runs the app in a task of its own
    with memory streams between them: a cost per request this avoids."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = uuid.uuid4().hex
        request_state = scope.setdefault("state", {})
        request_state.update(request_id=request_id, log_rows=[], model=None)
        status = [500]  # an exception no handler turned into a response

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                MutableHeaders(scope=message).append("x-request-id", request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _measured(scope, request_state, status[0], time.perf_counter() - started)


def _measured(scope: Scope, request_state: dict, status_code: int, elapsed: float) -> None:
    endpoint = getattr(scope.get("route"), "path", "unmatched")
    served: ServedModel | None = request_state["model"]
    labels = (endpoint, served.name if served else "", str(served.version) if served else "",
              str(status_code))  # fmt: skip
    metrics.REQUESTS.labels(*labels).inc()
    metrics.LATENCY.labels(*labels).observe(elapsed)
    if endpoint.startswith(PREDICT_PREFIX) and scope["method"] == "POST":
        rows = request_state["log_rows"] or [
            predictions.row(request_state["request_id"], endpoint, use_case_of(endpoint),
                            status_code, 0.0)
        ]  # fmt: skip
        for item in rows:
            item["status_code"] = status_code
            item["latency_ms"] = elapsed * 1000
        state = getattr(scope["app"].state, "serving", None)  # serving.app.State
        if state is not None:
            state.log.add(rows)


def use_case_of(endpoint: str) -> str:
    return endpoint.removeprefix(PREDICT_PREFIX).split("/")[0]
