"""Bulk clean-ups that must not hold one huge transaction or load every id at once."""

from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet


def in_batches(queryset: QuerySet, *, batch_size: int, act: Callable[[list[int]], int]) -> int:
    """Call ``act(ids)`` on ``queryset``'s ids, at most ``batch_size`` at a time in pk order, each batch in its own
    transaction, until the queryset is empty; returns the sum of what ``act`` returned. ``act`` must take the ids
    out of the queryset (delete them, typically), or this never ends."""
    done = 0
    while ids := list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size]):
        with transaction.atomic():
            done += act(ids)
    return done
