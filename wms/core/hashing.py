import hashlib
import json
from datetime import UTC, datetime


def _canonical_default(value) -> str:
    # The same instant written with another offset is the same content.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()
    return str(value)


def _dumps(data, default=_canonical_default) -> str:
    return json.dumps(data, sort_keys=True, default=default, separators=(",", ":"))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def content_fingerprint(data: dict, *, unordered: tuple[str, ...] = ()) -> str:
    """A stable hash of JSON-able content (keys sorted), to recognise a repeated delivery.

    The lists under the ``unordered`` keys (an order's lines) are compared by content, not by the order they were
    sent in: each list is sorted by its items' canonical text first."""
    canonical = {**data, **{key: sorted(data[key], key=_dumps) for key in unordered if key in data}}
    return _sha256(_dumps(canonical))


def content_fingerprint_matches(stored: str, data: dict, *, unordered: tuple[str, ...] = ()) -> bool:
    """Whether ``stored``, a fingerprint saved with a record, is of this content.

    A fingerprint saved before lines were compared by content hashed them as sent (and times as written): the
    same content sent again the same way still matches it."""
    return stored in (content_fingerprint(data, unordered=unordered), _sha256(_dumps(data, default=str)))
