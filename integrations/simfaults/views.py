"""What the simulators' staff pages share: Supervisor-only access, and the answer to the fault form (arm one fault,
or clear them all)."""

import functools
from collections.abc import Callable

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponse
from django.shortcuts import redirect

from wms.core.roles import Role, user_has_role


def supervisor_required(view: Callable) -> Callable:
    """A simulator's staff page (dashboard, its forms, fault injection): a Supervisor's demo tool, not the floor's.
    Anonymous visitors go to the admin login; staff without the Supervisor role get 403. The simulators' machine
    endpoints (the fake APIs the WMS calls) keep their own key auth and do not use this."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not user_has_role(request.user, Role.SUPERVISOR):
            raise PermissionDenied("The simulators' pages need the Supervisor role.")
        return view(request, *args, **kwargs)

    guarded = staff_member_required(wrapped)
    guarded.supervisor_only = True
    return guarded


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
