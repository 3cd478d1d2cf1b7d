"""The committed OpenAPI document is the app's: a change to a request or response model, a
route or a status fails here until `make openapi` rewrites docs/openapi.json."""

from __future__ import annotations

from serving import openapi


def test_the_committed_openapi_document_is_the_apps():
    assert openapi.COMMITTED.read_text() == openapi.text(), (
        "the API differs from docs/openapi.json: review the change and run `make openapi`"
    )


def test_every_prediction_endpoint_has_a_typed_request_and_response():
    paths = openapi.document()["paths"]
    predict = [p for p in paths if "/predict" in p]
    assert len(predict) == 6
    for path in predict:
        operation = paths[path]["post"]
        assert "$ref" in str(operation["requestBody"]["content"]["application/json"]["schema"])
        assert "$ref" in str(operation["responses"]["200"]["content"]["application/json"]["schema"])
        assert "422" in operation["responses"]


def test_docs_pages_are_off():
    assert "/docs" not in openapi.document()["paths"]
