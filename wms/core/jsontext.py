"""JSON text that anything downstream can hold: a bounded nesting depth, checked without recursion, and no lone
UTF-16 surrogate (valid in JSON's ``\\ud800`` escapes and in Python strings, but not Unicode text: UTF-8, so
PostgreSQL and every HTTP answer, cannot encode it)."""

import json
import re
from itertools import accumulate

# A string token, or an unterminated one to the end of the text (so that matching never restarts from each
# escaped quote inside it: one pass whatever the text), and what is not a bracket.
_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE = re.compile("[\ud800-\udfff]")


def nesting_exceeds(text: str, limit: int) -> bool:
    """Whether arrays and objects nest in ``text`` deeper than ``limit``, found in one pass without parsing
    (brackets inside strings are text): JSON's own parser and encoder recurse, so they must not be handed a body
    nested deeper than the recursion limit."""
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets), initial=0)) > limit


def _path_join(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)


def lone_surrogate_find(value) -> tuple[str, str] | None:
    """(field path, the character as U+XXXX) of the first lone surrogate in a parsed JSON value, in a key or
    a string value at any depth; None when there is none. Iterative: ``value`` may be nested arbitrarily deep."""
    stack = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            found = _SURROGATE.search(item)
            if found:
                return path or "(body)", f"U+{ord(found.group()):04X}"
        elif isinstance(item, dict):
            for key, child in item.items():
                found = _SURROGATE.search(key)
                if found:
                    return _path_join(path, key.encode("utf-8", "backslashreplace").decode()), \
                        f"U+{ord(found.group()):04X}"
                stack.append((_path_join(path, key), child))
        elif isinstance(item, list):
            stack.extend((_path_join(path, index), child) for index, child in enumerate(item))
    return None


def surrogates_escape(text: str) -> str:
    """``text`` with each lone surrogate written as its JSON escape (``\\ud800``), so it can be encoded as UTF-8.
    In text made by ``json.dumps`` a surrogate can only sit inside a string, where the escape is exact: the text
    still parses to the same value."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_dumps_safe(value, **kwargs) -> str:
    """``json.dumps(value, ensure_ascii=False)`` that always gives text encodable as UTF-8."""
    return surrogates_escape(json.dumps(value, ensure_ascii=False, **kwargs))
