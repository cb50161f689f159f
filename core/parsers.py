"""JSON with a depth limit, for every door that parses JSON (the /api/v1 parser, Binance's ``symbols=[...]``).

Python's json module parses nested arrays and objects by recursion: a body of a thousand ``[`` (2 KB) is a
RecursionError, a 500, even before sign-in. No document the API takes nests more than a few levels, so
anything deeper than ``MAX_JSON_DEPTH`` is refused before it reaches the parser.
"""

from __future__ import annotations

import codecs
import io
import re

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 32

# A JSON string, escapes included (the unrolled form: linear, no backtracking); brackets inside one are text.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def json_too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``text`` nests arrays and objects deeper than ``limit`` (malformed JSON may count as deep)."""
    if text.count("[") + text.count("{") <= limit:
        return False  # cannot be deeper, whatever the order: the common case, no scan
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body nested deeper than ``MAX_JSON_DEPTH`` as a parse error (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if json_too_deep(text):
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.")
        return super().parse(io.BytesIO(raw), media_type, parser_context)
