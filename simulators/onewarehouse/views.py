"""The fake OneWarehouse's HTTP side: the three URLs the WMS calls, the label file, and a staff page."""

import base64
import json
import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from integrations.onewarehouse.profiles import PROFILES
from integrations.onewarehouse.profiles.base import Profile
from simulators.faults.views import fault_form_submit, supervisor_required
from wms.core.forms import StrictIntegerField, form_errors_report

from . import selectors, services
from .labels import CONTENT_TYPES, EXTENSIONS, LabelFormat, label_render
from .models import SimFault
from .payloads import RECEIVED_CALLS, Code, LabelMode, ReceivedKind, envelope_error, envelope_ok
from .scenarios import SCENARIOS, scenario_run
from .signing import call_signature_verify
from .validation import payload_validate

LABEL_MODE_QUERY = "label_mode"
LABEL_MODE_HEADER = "X-Sim-Label-Mode"
LABEL_FORMAT_QUERY = "label_format"
LABEL_FORMAT_HEADER = "X-Sim-Label-Format"

sleep = time.sleep  # a name tests can replace: a slow answer is asserted without waiting


def _label_mode(request) -> str:
    """Per request (query ``label_mode`` or header ``X-Sim-Label-Mode``), else the setting."""
    wanted = request.GET.get(LABEL_MODE_QUERY) or request.headers.get(LABEL_MODE_HEADER) or \
        settings.SIMULATOR_ONEWAREHOUSE_LABEL_MODE
    return wanted if wanted in LabelMode.values else LabelMode.BASE64


def _label_format(request) -> str:
    """Per request (query ``label_format`` or header ``X-Sim-Label-Format``), else the setting; PDF if unknown."""
    wanted = (request.GET.get(LABEL_FORMAT_QUERY) or request.headers.get(LABEL_FORMAT_HEADER)
              or settings.SIMULATOR_ONEWAREHOUSE_LABEL_FORMAT).upper()
    return wanted if wanted in LabelFormat.values else LabelFormat.PDF


def _act(kind: str, request, profile: Profile, data: dict, payload: dict) -> tuple[int, dict]:
    if kind == ReceivedKind.INBOUND_CALLBACK:
        return 200, envelope_ok({}, profile=profile)
    call = profile.outgoing[RECEIVED_CALLS[kind]]
    order_no = data[call.order_no_field]
    try:
        if kind == ReceivedKind.LABEL:
            mode, label_format = _label_mode(request), _label_format(request)
            shipment = services.shipment_label_issue(outbound_order_no=order_no, label_mode=mode)
            file_url = request.build_absolute_uri(reverse(
                "onewarehouse_simulator:label-file", args=[shipment.tracking_no, EXTENSIONS[label_format]]))
            names = profile.label_fields
            return 200, envelope_ok({
                call.order_no_field: order_no, names.tracking_no: shipment.tracking_no,
                names.label_format: label_format,
                names.label_url: file_url if mode == LabelMode.URL else None,
                names.label_base64: base64.b64encode(label_render(
                    label_format=label_format, outbound_order_no=order_no, tracking_no=shipment.tracking_no)).decode()
                if mode == LabelMode.BASE64 else None,
            }, profile=profile)
        services.shipment_ship(outbound_order_no=order_no, payload=payload)
        return 200, envelope_ok({}, profile=profile)
    except services.ShipmentError as exc:
        return 200, envelope_error(code=exc.code, msg=str(exc), data={call.order_no_field: order_no,
                                                                     "status": exc.status}, profile=profile)


def _receive(request, kind: str, profile: Profile) -> JsonResponse:
    body = request.body
    verdict = call_signature_verify(headers=request.headers, query=request.GET, body=body)
    payload = None
    fault = None
    if not verdict.ok:
        status, answer = 401, envelope_error(code=Code.UNAUTHORIZED, msg=f"unauthorized: {verdict.reason}",
                                             profile=profile)
    else:
        fault = services.fault_take(endpoint=kind)
        if fault is not None and fault.kind == SimFault.Kind.SLOW:
            sleep(fault.delay_seconds)
        if fault is not None and fault.kind == SimFault.Kind.HTTP_500:
            status, answer = 500, envelope_error(code=Code.SERVER_ERROR, msg="simulated server error",
                                                 profile=profile)
        elif fault is not None and fault.kind == SimFault.Kind.HTTP_429:
            status, answer = 429, envelope_error(code=Code.RATE_LIMITED, msg="simulated rate limit: slow down",
                                                 profile=profile)
        elif fault is not None and fault.kind == SimFault.Kind.CODE_ERROR:
            status, answer = 200, envelope_error(code=fault.error_code, msg="simulated failure (code != 0)",
                                                 profile=profile)
        else:
            try:
                payload = json.loads(body)
            except ValueError:
                payload = None
            if not isinstance(payload, dict):
                status, answer = 400, envelope_error(code=Code.BAD_REQUEST, msg="body is not a JSON object",
                                                     profile=profile)
            else:
                data, errors = payload_validate(profile=profile, kind=kind, payload=payload)
                if errors:
                    status, answer = 200, envelope_error(code=Code.VALIDATION_ERROR, errors=errors,
                                                         msg=f"{len(errors)} fields are invalid", profile=profile)
                else:
                    status, answer = _act(kind, request, profile, data, payload)
    order_field = profile.outgoing[RECEIVED_CALLS[kind]].order_no_field
    order_no = payload.get(order_field, "") if isinstance(payload, dict) else ""
    services.received_record(kind=kind, order_no=str(order_no), headers=dict(request.headers), body=body,
                             signature_ok=verdict.ok, status_code=status,
                             response=answer, response_code=profile.peer_answer.logged_code(
                                 answer.get(profile.peer_answer.code_field)),
                             fault=fault.kind if fault else "")
    response = JsonResponse(answer, status=status)
    if status == 429:
        response["Retry-After"] = "1"
    return response


@csrf_exempt
@require_POST
def receive(request, kind: str, profile: str, warehouse_code: str = ""):
    """One of the calls the WMS makes, at the path of the profile it speaks (``urls.py`` mounts every profile's
    paths; a path naming a warehouse passes its code, which the answer does not need)."""
    return _receive(request, kind, PROFILES[profile])


@require_GET
def label_file(request, tracking_no: str, extension: str):
    """The label file a ``label_url`` points to, in the format its extension names (.pdf, .png, .zpl; no
    signature: the WMS fetches it as a plain download)."""
    shipment = selectors.shipment_get_by_tracking_no(tracking_no=tracking_no)
    label_format = next((fmt for fmt, ext in EXTENSIONS.items() if ext == extension), None)
    if shipment is None or label_format is None:
        raise Http404("no such label")
    content = label_render(label_format=label_format, outbound_order_no=shipment.outbound_order_no,
                           tracking_no=shipment.tracking_no)
    response = HttpResponse(content, content_type=CONTENT_TYPES[label_format])
    response["Content-Disposition"] = f'inline; filename="{shipment.tracking_no}.{EXTENSIONS[label_format]}"'
    return response


class ScenarioForm(forms.Form):
    scenario = forms.ChoiceField(choices=[(name, name) for name in SCENARIOS], label="Scenario")
    count = StrictIntegerField(min_value=1, max_value=200, blank_means=1, label="Count")


def _dashboard_page(request, typed: dict | None = None):
    return render(request, "simulators/onewarehouse.html", {
        "pushes": selectors.push_list(), "received": selectors.received_list(),
        "shipments": selectors.shipment_list(), "faults": selectors.fault_list(),
        "scenarios": SCENARIOS, "endpoints": ReceivedKind.choices, "fault_kinds": SimFault.Kind.choices,
        "wms_url": settings.SIMULATOR_WMS_BASE_URL, "label_mode": settings.SIMULATOR_ONEWAREHOUSE_LABEL_MODE,
        "label_format": settings.SIMULATOR_ONEWAREHOUSE_LABEL_FORMAT,
        **(typed or {}),
    })


@supervisor_required
def dashboard(request):
    return _dashboard_page(request)


@supervisor_required
@require_POST
def dashboard_scenario_run(request):
    form = ScenarioForm(request.POST)
    if not form.is_valid():
        form_errors_report(request, form)
        return _dashboard_page(request, {"scenario_typed": request.POST})
    name = form.cleaned_data["scenario"]
    try:
        report = scenario_run(name=name, count=form.cleaned_data["count"])
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        deviating = [row for row in report.rows if not row.ok]
        text = f"Scenario {name} (run {report.run_id}): {len(report.rows)} pushes, {len(deviating)} deviate."
        if deviating:
            text += " " + "; ".join(f"{row.step}: {row.deviation}" for row in deviating[:5])
        (messages.success if report.ok else messages.error)(request, text)
    return redirect("onewarehouse_simulator:dashboard")


@supervisor_required
@require_POST
def dashboard_fault_arm(request):
    return fault_form_submit(request, endpoints=ReceivedKind, kinds=SimFault.Kind, arm=services.fault_arm,
                             clear=services.faults_clear, dashboard="onewarehouse_simulator:dashboard",
                             page=_dashboard_page, error_code=True)
