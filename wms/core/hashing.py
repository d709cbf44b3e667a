import hashlib
import json


def content_fingerprint(data) -> str:
    """A stable hash of JSON-able content (keys sorted), to recognise a repeated delivery."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str, separators=(",", ":")).encode()).hexdigest()
