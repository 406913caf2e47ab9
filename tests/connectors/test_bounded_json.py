"""JSON from outside is parsed with a bound on nesting (issue 26, 6): deeper than MAX_DEPTH is a ValueError,
never Python's RecursionError; brackets inside strings do not count."""

from __future__ import annotations

import pytest

from connectors import bounded_json
from connectors.bounded_json import MAX_DEPTH, TooDeep


def nested(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


def test_documents_up_to_the_bound_parse():
    assert bounded_json.loads(b'{"order": {"lines": [{"sku": "A"}]}}') == {"order": {"lines": [{"sku": "A"}]}}
    document = bounded_json.loads(nested(MAX_DEPTH))
    for _ in range(MAX_DEPTH):
        document = document["a"]
    assert document == 1


@pytest.mark.parametrize("body", [nested(MAX_DEPTH + 1), nested(5000), b"[" * 100_000 + b"]" * 100_000])
def test_deeper_documents_are_a_value_error(body):
    with pytest.raises(TooDeep):
        bounded_json.loads(body)
    assert issubclass(TooDeep, ValueError)


def test_brackets_inside_strings_do_not_count():
    text = '{"note": "' + "[{" * 500 + '\\" ]"}'
    assert bounded_json.loads(text)["note"] == "[{" * 500 + '" ]'
    assert bounded_json.loads(b'["\\\\", [1]]') == ["\\", [1]]
