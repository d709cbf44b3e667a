"""The answers of the receiving API, built in one place: every outcome (success, refused request, invalid
payload, a typed domain error, a crash) becomes the active profile's envelope with its HTTP status; ``code`` is
our business code (``mapping.CODE_*``), the request log's whatever the profile writes on the wire."""

from dataclasses import dataclass
from functools import cached_property

from django.core.serializers.json import DjangoJSONEncoder

from wms.core.errors import DomainError, ErrorCode
from wms.core.jsontext import json_dumps_safe

from . import mapping
from .profiles import profile_active


@dataclass(frozen=True)
class Answer:
    http_status: int
    code: int
    body: dict
    error: str = ""  # for the request log only (a traceback), never sent

    @cached_property
    def content(self) -> bytes:
        """The bytes sent: UTF-8 JSON, whatever text the body holds (a lone surrogate goes as its escape)."""
        return json_dumps_safe(self.body, cls=DjangoJSONEncoder).encode()


def _failure(http_status: int, *, code: int, msg: str, errors: dict | None = None, data: dict | None = None,
             error: str = "") -> Answer:
    body = profile_active().envelope.failure(code=code, msg=msg, errors=errors, data=data)
    return Answer(http_status, code, body, error)


def answer_ok(data) -> Answer:
    return Answer(200, mapping.CODE_OK, profile_active().envelope.ok(data))


def answer_bad_request(msg: str) -> Answer:
    return _failure(400, code=mapping.CODE_BAD_REQUEST, msg=msg)


def answer_method_not_allowed(method: str) -> Answer:
    return _failure(405, code=mapping.CODE_BAD_REQUEST, msg=f"{method[:20]} is not allowed; use POST")


def answer_unauthorized(msg: str) -> Answer:
    return _failure(401, code=mapping.CODE_UNAUTHORIZED, msg=msg)


def answer_too_large(*, limit: int) -> Answer:
    return _failure(413, code=mapping.CODE_TOO_LARGE, msg=f"Body is larger than {limit} bytes")


def answer_server_error(*, traceback: str) -> Answer:
    return _failure(500, code=mapping.CODE_SERVER_ERROR,
                    msg="Internal error; the request is kept and will be replayed once fixed", error=traceback)


def answer_not_stored() -> Answer:
    return _failure(500, code=mapping.CODE_SERVER_ERROR,
                    msg="The request could not be stored; nothing was done, please retry")


def answer_busy() -> Answer:
    """The transaction kept meeting concurrent ones (deadlocks) after its re-runs: temporary, nothing written."""
    return _failure(503, code=mapping.CODE_BUSY, msg="The warehouse is busy; nothing was done, please retry")


def _invalid_msg(errors: dict) -> str:
    count = len(errors)
    return f"{count} field is invalid" if count == 1 else f"{count} fields are invalid"


def answer_invalid(errors: dict[str, list[str]]) -> Answer:
    """The payload failed validation: every bad field named by its path."""
    return _failure(200, code=mapping.DOMAIN_ERROR_CODES[ErrorCode.VALIDATION_ERROR], msg=_invalid_msg(errors),
                    errors=errors)


def answer_domain_error(exc: DomainError) -> Answer:
    code = mapping.DOMAIN_ERROR_CODES.get(exc.code, mapping.CODE_FALLBACK_DOMAIN)
    errors = {path: [str(m) for m in messages] for path, messages in exc.errors.items()}
    msg = _invalid_msg(errors) if exc.code == ErrorCode.VALIDATION_ERROR and errors else exc.message
    return _failure(200, code=code, msg=msg, errors=errors, data=exc.data)
