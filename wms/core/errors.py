"""Typed domain errors.

Services raise these; the API layer and admin turn them into answers (the webhook envelope's ``code``, an admin
message). The codes are the contract's business codes, so the mapping to the envelope is one lookup.
"""

from django.db import models


class ErrorCode(models.TextChoices):
    VALIDATION_ERROR = "validation_error", "Validation error"
    UNKNOWN_SKU = "unknown_sku", "Unknown SKU"
    NOT_FOUND = "not_found", "Not found"
    CONFLICT = "conflict", "Conflict"
    INVALID_STATE = "invalid_state", "Invalid state"
    CANCEL_REFUSED = "cancel_refused", "Cancellation refused"
    INSUFFICIENT_STOCK = "insufficient_stock", "Insufficient stock"
    PERMISSION_DENIED = "permission_denied", "Permission denied"


class DomainError(Exception):
    """A business rule refused the request. ``data`` carries facts for the caller (status, reason...)."""

    code: ErrorCode = ErrorCode.INVALID_STATE

    def __init__(self, message: str, *, code: ErrorCode | None = None, data: dict | None = None,
                 errors: dict | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.data = data or {}
        self.errors = errors or {}

    def __str__(self) -> str:
        return self.message


class DomainValidationError(DomainError):
    code = ErrorCode.VALIDATION_ERROR


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class InvalidTransition(DomainError):
    code = ErrorCode.INVALID_STATE


class CancelRefused(DomainError):
    code = ErrorCode.CANCEL_REFUSED


class UnknownSku(DomainError):
    code = ErrorCode.UNKNOWN_SKU


class InsufficientStock(DomainError):
    code = ErrorCode.INSUFFICIENT_STOCK


class PermissionDenied(DomainError):
    code = ErrorCode.PERMISSION_DENIED
