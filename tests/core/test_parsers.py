"""The depth check every JSON door shares (core.parsers): deep nesting is refused before json parses it."""

import json

import pytest

from core.parsers import MAX_JSON_DEPTH, json_too_deep


def nested(depth: int, open_: str = "[", close: str = "]") -> str:
    return open_ * depth + close * depth


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        (nested(MAX_JSON_DEPTH), False),
        (nested(MAX_JSON_DEPTH + 1), True),
        (nested(1000), True),
        ('{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1), True),
        # Many brackets side by side are not deep.
        ("[" + ",".join(["[1]"] * 500) + "]", False),
        # Brackets inside strings are text, escaped quotes included.
        (json.dumps(["[" * 1000, '\\"[[[' * 100]), False),
        (json.dumps({"k": "{" * 1000}), False),
        # Unbalanced closers never make it deep.
        ("]" * 1000, False),
    ],
)
def test_depth_is_counted_outside_strings(text, deep):
    assert json_too_deep(text) is deep
