"""The live verdict: a window's features to the prediction API's driving-style endpoint on a
worker thread (`POST /v1/driving-style/predict`, serving/schemas.py); the window reads
`state()`. Only the latest window waits: an answer slower than the drive skips older ones."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

ENDPOINT = "/v1/driving-style/predict"
TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Verdict:
    """The model's answer for a window, beside the profile that was driven in it."""

    predicted: str
    probabilities: dict[str, float]
    driven: str
    latency_ms: float
    model: str  # registered name and version


@dataclass(frozen=True)
class VerdictState:
    verdict: Verdict | None
    problem: str | None  # why the latest request got no verdict
    requests: int


class VerdictClient:
    """Posts windows to the API one at a time from its own thread; `close()` stops it."""

    def __init__(self, api_url: str) -> None:
        self.url = api_url.rstrip("/") + ENDPOINT
        self._pending: tuple[dict, str, str] | None = None
        self._busy = False
        self._closed = False
        self._changed = threading.Condition()
        self._verdict: Verdict | None = None
        self._problem: str | None = None
        self._requests = 0
        self._thread = threading.Thread(target=self._run, name="cockpit-verdict", daemon=True)
        self._thread.start()

    def submit(self, features: dict[str, float], driven: str, window_id: str) -> None:
        """Ask for the verdict on a window (replaces a window still waiting); never blocks."""
        with self._changed:
            self._pending = (features, driven, window_id)
            self._changed.notify_all()

    def state(self) -> VerdictState:
        with self._changed:
            return VerdictState(self._verdict, self._problem, self._requests)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every submitted window has its answer; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self._pending is None and not self._busy, timeout)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._thread.join(TIMEOUT_S + 1)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._pending is not None or self._closed)
                if self._closed:
                    return
                assert self._pending is not None
                (features, driven, window_id), self._pending = self._pending, None
                self._busy = True
            verdict, problem = self._ask(features, driven, window_id)
            with self._changed:
                self._busy = False
                self._requests += 1
                self._problem = problem
                self._verdict = verdict or self._verdict
                self._changed.notify_all()

    def _ask(
        self, features: dict, driven: str, window_id: str
    ) -> tuple[Verdict | None, str | None]:
        body = json.dumps({"window_id": window_id, "features": features}).encode()
        request = urllib.request.Request(
            self.url, body, {"Content-Type": "application/json"}, method="POST"
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                answer = json.load(response)
        except urllib.error.HTTPError as error:
            return None, _http_problem(self.url, error)
        except (OSError, ValueError) as error:  # refused, timed out, not JSON
            return None, (
                f"No verdict: the prediction API does not answer at {self.url} ({_reason(error)}); "
                "start it with `lakehouse serve` after `make demo`."
            )
        latency_ms = (time.perf_counter() - started) * 1000
        model = answer["model"]
        return Verdict(
            predicted=answer["predicted_profile"],
            probabilities=answer["probabilities"],
            driven=driven,
            latency_ms=latency_ms,
            model=f"{model['name']} v{model['version']}",
        ), None


def _http_problem(url: str, error: urllib.error.HTTPError) -> str:
    if error.code == 503:
        return f"No verdict: the prediction API at {url} has not loaded its models yet (503)."
    detail = error.read().decode(errors="replace")[:200]
    return f"No verdict: the prediction API at {url} answered {error.code}: {detail}"


def _reason(error: Exception) -> str:
    return str(getattr(error, "reason", error))
