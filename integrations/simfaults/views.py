"""The answer to a simulator dashboard's fault form (arm one fault, or clear them all)."""

from collections.abc import Callable

from django.contrib import messages
from django.db import models
from django.http import HttpResponse
from django.shortcuts import redirect


def fault_form_submit(request, *, endpoints: type[models.TextChoices], arm: Callable, clear: Callable[[], int],
                      dashboard: str, extra: Callable[[dict], dict] = lambda post: {}) -> HttpResponse:
    """Clears every fault (``clear`` posted) or arms the posted one with ``arm`` (the simulator's
    ``services.fault_arm``), then goes back to the ``dashboard`` URL name with a message. ``extra`` reads the
    simulator's own fields from the form; a ValueError it raises refuses the fault like a bad count does."""
    if request.POST.get("clear"):
        clear()
        messages.success(request, "All faults cleared.")
        return redirect(dashboard)
    post = request.POST
    try:
        arm(endpoint=endpoints(post.get("endpoint", "")), kind=post.get("kind", ""),
            count=int(post.get("count") or 1), delay_seconds=float(post.get("delay_seconds") or 0), **extra(post))
    except ValueError as exc:
        messages.error(request, f"Fault not armed: {exc}")
    else:
        messages.success(request, "Fault armed.")
    return redirect(dashboard)
