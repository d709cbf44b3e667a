"""One transition table per order type; every status change goes through ``transition_check``."""

from collections.abc import Mapping

from .errors import InvalidTransition


def transition_check(*, table: Mapping[str, frozenset[str]], entity: str, number: str, current: str,
                     target: str) -> None:
    """Raise ``InvalidTransition`` unless ``current -> target`` is in ``table``."""
    if target not in table.get(current, frozenset()):
        raise InvalidTransition(
            f"{entity} {number} cannot go from {current} to {target}",
            data={"status": current, "requested_status": target},
        )
