"""One error shape for the whole API: 400 {"errors": {field: [messages]}}, never a 500 for bad input."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

log = logging.getLogger(__name__)


def flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error details as {"answers.move_type": ["…"]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "body" if key == "non_field_errors" and not prefix else str(key)
            for k, v in flatten(value, f"{prefix}.{name}" if prefix else name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(v, dict | list) for v in detail):
            out[prefix or "body"] = [str(v) for v in detail]
        else:
            for i, value in enumerate(detail):
                for k, v in flatten(value, f"{prefix}.{i}" if prefix else str(i)).items():
                    out.setdefault(k, []).extend(v)
    else:
        out[prefix or "body"] = [str(detail)]
    return out


def body_too_large() -> str:
    return f"the request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes"


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        exc = exceptions.ValidationError({"body": [body_too_large()]})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"errors": flatten(exc.detail)}
    elif isinstance(exc, exceptions.ParseError):
        response.data = {"errors": {"body": [f"malformed JSON: {exc.detail}"]}}
        response.status_code = status.HTTP_400_BAD_REQUEST
    else:
        detail = getattr(exc, "detail", str(exc))
        response.data = {"errors": {"detail": [str(detail)]}}
    return response


NOT_FOUND_MESSAGE = "No checklist at this link: it may be mistyped, expired or deleted."


def not_found() -> Response:
    return Response({"errors": {"detail": [NOT_FOUND_MESSAGE]}}, status=status.HTTP_404_NOT_FOUND)
