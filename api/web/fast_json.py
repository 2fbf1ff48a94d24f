"""JSON answers written by orjson, without FastAPI's second pass.

A route declared with `response_model` and returning a model has FastAPI dump the
model, validate the dump against the model again, then encode it: on the lightest
routes that cost more than the route's own work. The routes served under load build
the answer's dict in the model's field order and return it here; `response_model`
stays on the route, so the OpenAPI schema still describes the answer.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response

__all__ = ["JSON_MEDIA_TYPE", "json_response"]

JSON_MEDIA_TYPE = "application/json"


def json_response(content: Any, status_code: int = 200) -> Response:
    """`content` (dicts, lists, str, numbers, bools, None, dates) as a JSON answer."""
    return Response(orjson.dumps(content), status_code=status_code, media_type=JSON_MEDIA_TYPE)
