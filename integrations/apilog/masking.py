"""Masking of secrets in everything the request log and the process logs keep.

Two nets: by name (a header, query parameter or JSON key listed in ``APILOG_SECRET_KEYS``) and by value (any
configured secret string, wherever it appears: in a URL, an error message, a log line).
"""

import json
import logging
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings

MASK = "***"


def _secret_names() -> set[str]:
    return {name.lower() for name in settings.APILOG_SECRET_KEYS}


def secret_values() -> list[str]:
    """Every configured secret value (longest first, so that one containing another is masked whole)."""
    values = [settings.ONE_API_KEY]
    for keys in settings.ONEWAREHOUSE_KEYS.values():
        values += [keys["push_app_secret"], keys["app_secret"]]
    values.append(settings.SECRET_KEY)
    return sorted({v for v in values if v and len(v) >= 4}, key=len, reverse=True)


def mask_text(text: str) -> str:
    if not text:
        return text
    for value in secret_values():
        text = text.replace(value, MASK)
    return text


def mask_headers(headers) -> dict:
    names = _secret_names()
    return {k: (MASK if k.lower() in names else mask_text(str(v))) for k, v in dict(headers or {}).items()}


def mask_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return mask_text(url)
    names = _secret_names()
    query = urlencode([(k, MASK if k.lower() in names else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)])
    return mask_text(urlunsplit(parts._replace(query=query)))


def _mask_json(value):
    names = _secret_names()
    if isinstance(value, dict):
        return {k: (MASK if k.lower() in names else _mask_json(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_json(v) for v in value]
    return value


def mask_body(body) -> str:
    """A body as text with secret keys and values masked; non-JSON bodies are masked by value only."""
    if body is None:
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(body)
    except (ValueError, TypeError):
        return mask_text(body)
    return mask_text(json.dumps(_mask_json(parsed), ensure_ascii=False))


class SecretMaskingFilter(logging.Filter):
    """A logging filter that masks configured secret values in every record, message and arguments alike."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            # A traceback can quote a secret (a URL, a header in an exception message): format it now, masked.
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        return True
