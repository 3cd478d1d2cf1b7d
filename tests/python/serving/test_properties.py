"""Property-based: schemathesis generates requests from the app's own OpenAPI document - valid
ones and ones that break it (wrong types, missing and extra fields, out-of-range numbers) - and
sends them to the app in-process with the built lakehouse's models and features loaded. No
request may get a 5xx, and every answer must match its documented schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from serving.app import State, create_app, default_config
from serving.models import ModelStore
from serving.predictions import PredictionLog

pytestmark = pytest.mark.integration
EXAMPLES_PER_OPERATION = 30


def loaded_app():
    """The app with its models and features loaded once, here."""
    config = default_config()
    state = State(config=config, models=ModelStore(config.alias),
                  log=PredictionLog(config.prediction_table, config.flush_seconds))  # fmt: skip
    state.refresh()
    assert state.ready
    return create_app(config, loaded=state), state


def test_no_input_gets_a_server_error(built):
    app, state = loaded_app()
    state.log.start()
    try:
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 11
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            def check(case) -> None:
                case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

            check()
    finally:
        state.log.close()
