"""The API's JSON renderer: DRF's JSONRenderer output, written by orjson.

A checklist is some 100 KB of JSON; orjson writes it several times faster than the standard
library, and copies the parts stored as JSON text (orjson.Fragment, see navi.presenters) as they
are. The bytes are those DRF would send (compact, UTF-8, datetimes in ISO 8601 with "Z" for UTC,
U+2028/U+2029 escaped). An indented response, asked for in the Accept header, comes from DRF's
own renderer; so does anything orjson cannot write as DRF would (an integer beyond 64 bits …). One
difference: a non-finite float, which DRF refuses with an error, comes out as null (the API
stores none: answers are checked).
"""

from __future__ import annotations

import re

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_LINE_SEPARATORS = re.compile(b"\xe2\x80[\xa8\xa9]")  # U+2028, U+2029 in UTF-8
_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS
_DRF_ENCODER = JSONEncoder()


def _default(value):
    """What orjson does not know (lazy translations, Decimal, timedelta, querysets …), as DRF writes it."""
    return _DRF_ENCODER.default(value)


class ORJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            # DRF's encoder knows no Fragment: hand it the same data, decoded.
            return super().render(orjson.loads(self._dumps(data)), accepted_media_type, renderer_context)
        try:
            out = self._dumps(data)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF does: these two are valid JSON but end a line in JavaScript. Looking for their
        # first byte (memchr) first spares most responses the slower search for the two.
        if b"\xe2" in out and _LINE_SEPARATORS.search(out):
            out = out.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return out

    @staticmethod
    def _dumps(data) -> bytes:
        return orjson.dumps(data, default=_default, option=_OPTIONS)
