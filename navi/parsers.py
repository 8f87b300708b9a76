import io

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ValidationError

from .api_errors import body_too_large


class LimitedJSONParser(parsers.JSONParser):
    """JSON bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE bytes: a larger one is a 400, not a memory bill."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        too_big = ValidationError({"body": [body_too_large()]})
        if length and str(length).isdigit() and int(length) > limit:
            raise too_big
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise too_big
        return super().parse(io.BytesIO(raw), media_type, parser_context)
