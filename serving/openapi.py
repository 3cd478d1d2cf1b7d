"""The API's OpenAPI document, as committed in docs/openapi.json (`make openapi` rewrites it;
tests/python/serving/test_openapi.py fails when the app drifts from it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from serving.app import ServingConfig, create_app

COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def document() -> dict:
    """The document the app serves at /openapi.json (no model or file is loaded for it)."""
    return create_app(
        ServingConfig(snapshot=Path("unused"), prediction_table=Path("unused"))
    ).openapi()


def text() -> str:
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else COMMITTED
    target.write_text(text())
    print(f"wrote {target}")
