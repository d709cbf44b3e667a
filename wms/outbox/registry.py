"""Which function sends a message of each kind, and which peer environment a kind goes to now.

The domain writes messages; an integration registers the sender for a kind when its app starts, so that no
module of ``wms`` imports ``integrations``. A sender takes the ``OutboxMessage`` and returns the peer's answer
(a JSON-able dict), or raises ``RetryableSendError`` / ``PermanentSendError`` (any other exception is retried).
A peer with a sandbox and a production registers, per kind, the function that names the environment active now
(``environment_register``); a kind without one has no environment (blank) and is never held.
"""

from collections.abc import Callable

Sender = Callable[["OutboxMessage"], dict | None]  # noqa: F821

_senders: dict[str, Sender] = {}
_environments: dict[str, Callable[[], str]] = {}


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


def environment_register(kind: str, current: Callable[[], str]) -> None:
    """``current()`` names the environment that messages of ``kind`` go to now (read at each use)."""
    _environments[kind] = current


def environment_current(kind: str) -> str:
    current = _environments.get(kind)
    return current() if current is not None else ""
