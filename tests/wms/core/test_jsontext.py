"""The JSON text checks the intake and the request log rely on: nesting counted without parsing (brackets in
strings are text, an unterminated string ends the structure), lone surrogates found at any depth."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wms.core.jsontext import json_dumps_safe, lone_surrogate_find, nesting_exceeds

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab'),
                    lambda children: st.lists(children, max_size=3)
                    | st.dictionaries(st.text(alphabet='[]{}"\\ab', max_size=3), children, max_size=3),
                    max_leaves=20)


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@given(value=JSON, limit=st.integers(min_value=0, max_value=6))
def test_nesting_is_counted_like_the_parsed_value_whatever_brackets_and_quotes_the_strings_hold(value, limit):
    assert nesting_exceeds(json.dumps(value), limit) == (_depth(value) > limit)


@pytest.mark.parametrize("text, limit, exceeds", [
    ("[" * 33, 32, True),
    ("[" * 32 + "]" * 32 + "[" * 32, 32, False),
    ('"' + '\\"' * 1000 + "[" * 40, 32, False),  # one unterminated string: everything after it is text
    ('["' + "\\" * 3, 0, True),
    ('{"a": "[[[[", "b": [[]]}', 2, True),
    ('{"a": "[[[[", "b": [[]]}', 3, False),
])
def test_nesting_edge_cases(text, limit, exceeds):
    assert nesting_exceeds(text, limit) is exceeds


def test_a_lone_surrogate_is_found_in_a_key_or_a_value_at_any_depth_without_recursion():
    deep = "\ud800"
    for _ in range(10_000):
        deep = [deep]
    assert lone_surrogate_find({"a": deep}) == ("a" + ".0" * 10_000, "U+D800")
    assert lone_surrogate_find({"a": [{"\udfff": 1}]}) == ("a.0.\\udfff", "U+DFFF")
    assert lone_surrogate_find({"emoji": "\U0001F600", "text": "\u00e9"}) is None


def test_json_with_a_lone_surrogate_is_written_as_utf8_that_parses_to_the_same_value():
    value = {"k\udc00": ["x\ud800y", "\u00e9"]}
    text = json_dumps_safe(value)
    text.encode("utf-8")
    assert json.loads(text) == value and "\u00e9" in text
