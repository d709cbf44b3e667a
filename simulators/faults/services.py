"""Arming, taking and clearing the faults of one simulator, given its concrete fault model. A simulator's own
``services.py`` wraps these: its views, commands and tests call it, not this module."""

from typing import TypeVar

from django.db import transaction

from wms.core.db import lock_for_update

from .models import SimFaultBase

Fault = TypeVar("Fault", bound=SimFaultBase)


def fault_arm(*, model: type[Fault], endpoint: str, kind: str, count: int, delay_seconds: float = 0.0,
              **fields) -> Fault:
    """Arms ``kind`` for the next ``count`` calls of ``endpoint``; ``fields`` are the model's own extra fields."""
    if count < 1:
        raise ValueError("count must be at least 1")
    return model.objects.create(endpoint=endpoint, kind=model.Kind(kind), remaining=count,
                                delay_seconds=delay_seconds, **fields)


@transaction.atomic
def fault_take(*, model: type[Fault], endpoint: str) -> Fault | None:
    """The fault the current call of ``endpoint`` gets (oldest armed first), counted down; None if none. The last
    call of a fault deletes it; the fault returned then says ``remaining == 0``."""
    fault = (lock_for_update(model.objects).filter(endpoint=endpoint, remaining__gt=0)
             .order_by("pk").first())
    if fault is None:
        return None
    fault.remaining -= 1
    if fault.remaining:
        fault.save(update_fields=["remaining"])
    else:
        fault.delete()
    return fault


def faults_clear(*, model: type[SimFaultBase]) -> int:
    deleted, _ = model.objects.all().delete()
    return deleted
