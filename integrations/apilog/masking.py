"""Masking of secrets in everything the request log and the process logs keep.

Two nets: by name (a header, query parameter or JSON key listed in ``APILOG_SECRET_KEYS``) and by value (any
configured secret string, wherever it appears: in a URL, an error message, a log line).
"""

import json
import logging
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings

from wms.core.jsontext import json_dumps_safe, nesting_exceeds

MASK = "***"
# Deeper JSON is masked as text: the JSON parser and encoder recurse, and the log must be written whatever arrived.
MASK_JSON_MAX_DEPTH = 64


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
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode([(k, MASK if k.lower() in names else v) for k, v in pairs])
    return mask_text(urlunsplit(parts._replace(query=query)))


def _mask_json(value):
    """``value`` with the value of every secret key masked, at any depth; iterative, in place (on a fresh parse)."""
    names = _secret_names()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if key.lower() in names:
                    item[key] = MASK
                elif isinstance(child, (dict, list)):
                    stack.append(child)
        elif isinstance(item, list):
            stack.extend(child for child in item if isinstance(child, (dict, list)))
    return value


def _mask_json_text(text: str) -> str:
    """Secret keys masked in JSON-like text that is not parsed (too deep): ``"sign": "..."`` and the like."""
    names = "|".join(re.escape(name) for name in sorted(_secret_names(), key=len, reverse=True))
    if not names:
        return text
    pattern = re.compile(rf'("(?i:{names})"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,\]}}\s]+)')
    return pattern.sub(lambda m: f'{m.group(1)}"{MASK}"', text)


def mask_body(body) -> str:
    """A body as text with secret keys and values masked; non-JSON bodies are masked by value only. The text is
    always encodable as UTF-8 (a lone surrogate decoded from a JSON escape is written back as the escape)."""
    if body is None:
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if nesting_exceeds(body, MASK_JSON_MAX_DEPTH):
        return mask_text(_mask_json_text(body))
    try:
        parsed = json.loads(body)
    except (ValueError, TypeError, RecursionError):
        return mask_text(body)
    return mask_text(json_dumps_safe(_mask_json(parsed)))


# Personal data of a recipient in OneWarehouse's bodies (both wire profiles): the keys of the person under these
# objects, and the flat "consignee_*" keys of the v20210901 profile wherever they are. City, district and country
# stay: a peer's support needs them to follow a routing question, and they name nobody.
PERSONAL_PARENTS = frozenset({"recipient", "consigneer", "consignee", "receiver"})
PERSONAL_KEYS = frozenset({"name", "phone", "mobile", "email", "address", "address1", "address2", "zip_code",
                           "consignee_name", "consignee_phone", "consignee_mobile", "consignee_address"})
PERSONAL_MASK = "*** (personal data)"


def _mask_personal_json(value):
    """``value`` with every recipient's name, phone, e-mail and street address masked, at any depth, in place."""
    stack = [(value, False)]
    while stack:
        item, personal = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                lowered = str(key).lower()
                identifying = lowered in PERSONAL_KEYS and (personal or lowered.startswith("consignee_"))
                if identifying and child not in ("", None):
                    item[key] = PERSONAL_MASK
                elif isinstance(child, (dict, list)):
                    stack.append((child, personal or lowered in PERSONAL_PARENTS))
        elif isinstance(item, list):
            stack.extend((child, personal) for child in item if isinstance(child, (dict, list)))
    return value


def personal_data_mask(body: str) -> str:
    """A logged body for an export that leaves personal data out: JSON with the recipient's identifying fields
    masked; a body that is not JSON (or too deep to read safely) is left out whole."""
    if not body:
        return body
    if nesting_exceeds(body, MASK_JSON_MAX_DEPTH):
        return PERSONAL_MASK
    try:
        parsed = json.loads(body)
    except (ValueError, TypeError, RecursionError):
        return PERSONAL_MASK
    if not isinstance(parsed, (dict, list)):
        return body
    return json_dumps_safe(_mask_personal_json(parsed))


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
