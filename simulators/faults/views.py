"""What the simulators' staff pages share: Supervisor-only access, and the answer to the fault form (arm one fault,
or clear them all)."""

import functools
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponse
from django.shortcuts import redirect

from wms.core.forms import POSITIVE_INT_MAX, StrictDecimalField, StrictIntegerField, form_errors_report
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


class FaultForm(forms.Form):
    """One fault to arm, read strictly (a NaN or infinite delay once reached ``time.sleep`` of the fake API)."""

    count = StrictIntegerField(min_value=1, max_value=10_000, blank_means=1, label="Calls")
    delay_seconds = StrictDecimalField(max_digits=4, decimal_places=1, min_value=0, max_value=300, required=False,
                                       label="Delay (s)")

    def __init__(self, *args, endpoints: type[models.TextChoices], kinds: type[models.TextChoices],
                 error_code: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["endpoint"] = forms.ChoiceField(choices=endpoints.choices, label="Endpoint")
        self.fields["kind"] = forms.ChoiceField(choices=kinds.choices, label="Answer")
        if error_code:
            self.fields["error_code"] = StrictIntegerField(min_value=-POSITIVE_INT_MAX, blank_means=5000,
                                                           label="Code")

    def arm_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["delay_seconds"] = float(data["delay_seconds"] or 0)
        return data


def fault_form_submit(request, *, endpoints: type[models.TextChoices], kinds: type[models.TextChoices],
                      arm: Callable, clear: Callable[[], int], dashboard: str,
                      page: Callable[[object, dict], HttpResponse], error_code: bool = False) -> HttpResponse:
    """Clears every fault (``clear`` posted) or arms the posted one with ``arm`` (the simulator's
    ``services.fault_arm``) and goes back to the ``dashboard`` URL name with a message. A refused form is answered by
    ``page`` (the dashboard) with a message naming each refused field and the form as it was typed."""
    if request.POST.get("clear"):
        clear()
        messages.success(request, "All faults cleared.")
        return redirect(dashboard)
    form = FaultForm(request.POST, endpoints=endpoints, kinds=kinds, error_code=error_code)
    if not form.is_valid():
        form_errors_report(request, form)
        return page(request, {"fault_typed": request.POST})
    try:
        arm(**form.arm_arguments())
    except ValueError as exc:
        messages.error(request, f"Fault not armed: {exc}")
    else:
        messages.success(request, "Fault armed.")
    return redirect(dashboard)
