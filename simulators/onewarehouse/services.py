"""Writes of the fake OneWarehouse: pushes to the WMS (signed, over real HTTP, recorded), the record of what it
received, shipments and labels, and fault injection."""

import json
import secrets
import time
from dataclasses import dataclass

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.apilog.masking import mask_headers
from simulators.faults import services as simfaults
from wms.core.db import lock_for_update

from .models import SimFault, SimPush, SimReceived, SimShipment
from .payloads import PUSH_PATHS, PushKind, business_code, order_no_of
from .signing import push_headers_build


class ShipmentError(Exception):
    """A label or shipping request the simulated OneWarehouse refuses; ``code`` is the envelope's code."""

    def __init__(self, message: str, *, code: int, status: str = ""):
        super().__init__(message)
        self.code = code
        self.status = status


# --- pushes -------------------------------------------------------------------------------------------


@dataclass
class PreparedPush:
    kind: str
    url: str
    body: bytes
    headers: dict
    order_no: str
    scenario: str = ""


@dataclass
class PushOutcome:
    status_code: int | None = None
    response_body: str = ""
    envelope: dict | None = None
    error: str = ""
    duration_ms: int = 0

    @property
    def code(self) -> int | None:
        """The answer's business code (a profile that answers in words is read back through its envelope)."""
        return business_code(self.envelope)

    @property
    def msg(self) -> str:
        if isinstance(self.envelope, dict):
            return str(self.envelope.get("msg", ""))
        return self.error


def push_prepare(*, kind: str, payload=None, raw_body: bytes | None = None, wms_url: str = "",
                 scenario: str = "", tamper_signature: bool = False) -> PreparedPush:
    """The signed request of a push. ``raw_body`` sends bytes as they are (a non-JSON body, for bad input)."""
    kind = PushKind(kind)
    body = raw_body if raw_body is not None else json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", **push_headers_build(body=body, tamper=tamper_signature)}
    base = (wms_url or settings.SIMULATOR_WMS_BASE_URL).rstrip("/")
    return PreparedPush(kind=kind, url=base + PUSH_PATHS[kind], body=body, headers=headers,
                        order_no=order_no_of(kind=kind, payload=payload), scenario=scenario)


def push_deliver(*, prepared: PreparedPush, session: requests.Session | None = None) -> PushOutcome:
    """Sends a prepared push; touches no database (so many can run in threads at once)."""
    started = time.monotonic()
    outcome = PushOutcome()
    try:
        response = (session or requests).post(prepared.url, data=prepared.body, headers=prepared.headers,
                                              timeout=settings.SIMULATOR_PUSH_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"
    else:
        outcome.status_code = response.status_code
        outcome.response_body = response.text
        try:
            outcome.envelope = response.json()
        except ValueError:
            outcome.error = "the answer is not JSON"
    outcome.duration_ms = int((time.monotonic() - started) * 1000)
    return outcome


def push_record(*, prepared: PreparedPush, outcome: PushOutcome) -> SimPush:
    return SimPush.objects.create(
        kind=prepared.kind, url=prepared.url, order_no=prepared.order_no[:100], scenario=prepared.scenario,
        request_headers=mask_headers(prepared.headers), request_body=prepared.body.decode("utf-8", "replace"),
        status_code=outcome.status_code, response_body=outcome.response_body, response_code=outcome.code,
        response_msg=outcome.msg, error=outcome.error, duration_ms=outcome.duration_ms,
    )


def push_send(*, kind: str, payload=None, raw_body: bytes | None = None, wms_url: str = "", scenario: str = "",
              tamper_signature: bool = False) -> tuple[SimPush, PushOutcome]:
    """Signs, POSTs and records one push."""
    prepared = push_prepare(kind=kind, payload=payload, raw_body=raw_body, wms_url=wms_url, scenario=scenario,
                            tamper_signature=tamper_signature)
    outcome = push_deliver(prepared=prepared)
    return push_record(prepared=prepared, outcome=outcome), outcome


# --- what the simulator receives ----------------------------------------------------------------------


def received_record(*, kind: str, order_no: str, headers: dict, body: bytes, signature_ok: bool,
                    status_code: int, response: dict | None, response_code: int | None,
                    fault: str = "") -> SimReceived:
    return SimReceived.objects.create(
        kind=kind, order_no=(order_no or "")[:100], request_headers=mask_headers(headers),
        request_body=body.decode("utf-8", "replace"), signature_ok=signature_ok, status_code=status_code,
        response_code=response_code, response_body=response, fault=fault,
    )


def _tracking_no_new() -> str:
    return "SIM" + "".join(secrets.choice("0123456789") for _ in range(12))


def _shipment_get_or_create_locked(*, outbound_order_no: str) -> SimShipment:
    """The order's shipment, row-locked; made with a fresh tracking number at the first label request."""
    for _attempt in range(5):
        shipment = lock_for_update(SimShipment.objects).filter(outbound_order_no=outbound_order_no).first()
        if shipment is not None:
            return shipment
        try:
            with transaction.atomic():
                return SimShipment.objects.create(outbound_order_no=outbound_order_no, tracking_no=_tracking_no_new())
        except IntegrityError:
            continue  # a concurrent request made this order's shipment, or (rarely) the tracking number exists
    raise RuntimeError(f"could not create the shipment of {outbound_order_no}")


@transaction.atomic
def shipment_label_issue(*, outbound_order_no: str, label_mode: str) -> SimShipment:
    """The label of an order: a tracking number is made at the first request and kept for later ones.

    Refused once the order has shipped: OneWarehouse gives no label after the outbound callback."""
    shipment = _shipment_get_or_create_locked(outbound_order_no=outbound_order_no)
    if shipment.is_shipped:
        raise ShipmentError(f"Order {outbound_order_no} already shipped: no label after the outbound callback",
                            code=1005, status="SHIPPED")
    shipment.label_requests += 1
    shipment.label_mode = label_mode
    shipment.save(update_fields=["label_requests", "label_mode"])
    return shipment


@transaction.atomic
def shipment_ship(*, outbound_order_no: str, payload: dict) -> SimShipment:
    """Marks an order shipped (the outbound callback). A repeated callback is accepted again; a callback for an
    order whose label was never fetched is refused (the guide: label first, then callback)."""
    shipment = lock_for_update(SimShipment.objects).filter(outbound_order_no=outbound_order_no).first()
    if shipment is None or shipment.label_requests == 0:
        raise ShipmentError(f"Order {outbound_order_no} has no label yet: get the label before the callback",
                            code=1005, status="NO_LABEL")
    if not shipment.is_shipped:
        shipment.shipped_at = timezone.now()
        shipment.shipped_payload = payload
        shipment.save(update_fields=["shipped_at", "shipped_payload"])
    return shipment


# --- fault injection ----------------------------------------------------------------------------------


def fault_arm(*, endpoint: str, kind: str, count: int, delay_seconds: float = 0.0, error_code: int = 5000) -> SimFault:
    return simfaults.fault_arm(model=SimFault, endpoint=endpoint, kind=kind, count=count, delay_seconds=delay_seconds,
                               error_code=error_code)


def fault_take(*, endpoint: str) -> SimFault | None:
    """The fault the current call of ``endpoint`` gets (oldest armed first), counted down; None if none."""
    return simfaults.fault_take(model=SimFault, endpoint=endpoint)


def faults_clear() -> int:
    return simfaults.faults_clear(model=SimFault)
