"""Which function sends a message of each kind.

The domain writes messages; an integration registers the sender for a kind when its app starts, so that no
module of ``wms`` imports ``integrations``. A sender takes the ``OutboxMessage`` and returns the peer's answer
(a JSON-able dict), or raises ``RetryableSendError`` / ``PermanentSendError`` (any other exception is retried).
"""

from collections.abc import Callable

Sender = Callable[["OutboxMessage"], dict | None]  # noqa: F821

_senders: dict[str, Sender] = {}


class RetryableSendError(Exception):
    """The peer is down, slow or busy: try again later."""


class PermanentSendError(Exception):
    """The peer says the request itself is wrong: retrying cannot help; staff must look."""


def sender_register(kind: str, sender: Sender) -> None:
    _senders[kind] = sender


def sender_get(kind: str) -> Sender | None:
    return _senders.get(kind)


def sender_unregister(kind: str) -> None:
    _senders.pop(kind, None)
