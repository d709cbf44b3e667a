"""The simulator's side of OneWarehouse's API, in the names of the wire profiles (``integrations.onewarehouse.
profiles``): it pushes in the active profile's names (``ONEWAREHOUSE_PROFILE``, as the WMS reads them) and answers
the calls of every profile at once, each at its own paths. The payload builders give the examples' values as
domain facts and render them with the profile's payload serializers; paths, codes and answers are the
integration's own. No name is copied here: a profile corrected is the simulator corrected.
"""

import copy
from dataclasses import dataclass

from django.db import models

from integrations.onewarehouse.mapping import (
    CODE_BAD_REQUEST,
    CODE_OK,
    CODE_SERVER_ERROR,
    CODE_TOO_LARGE,
    CODE_UNAUTHORIZED,
    DOMAIN_ERROR_CODES,
    INCOMING_PATHS,
    Endpoint,
)
from integrations.onewarehouse.profiles import PROFILES, profile_active
from integrations.onewarehouse.profiles.base import LABEL_FORMAT_DEFAULT, Profile, payload_render
from wms.core.errors import ErrorCode

# --- pushes (OneWarehouse -> WMS) ---------------------------------------------------------------------


class PushKind(models.TextChoices):
    PRODUCT_SYNC = "product_sync", "Product sync"
    INBOUND_PURCHASE = "inbound_purchase", "Inbound purchase"
    INBOUND_RETURN = "inbound_return", "Inbound return"
    INBOUND_CANCEL = "inbound_cancel", "Inbound cancel"
    OUTBOUND_CREATE = "outbound_create", "Outbound create"
    OUTBOUND_CANCEL = "outbound_cancel", "Outbound cancel"


# Where the WMS mounts its receiving URLs (wms/urls.py), and each push's path under it (the same in every profile).
WMS_RECEIVING_ROOT = "/api/onewarehouse/"
PUSH_PATHS = {kind: WMS_RECEIVING_ROOT + INCOMING_PATHS[Endpoint(kind.value)] for kind in PushKind}

# --- calls the simulator receives (WMS -> OneWarehouse) -----------------------------------------------


class ReceivedKind(models.TextChoices):
    INBOUND_CALLBACK = "inbound_callback", "Inbound order callback"
    LABEL = "label", "Get shipping label"
    OUTBOUND_CALLBACK = "outbound_callback", "Outbound order callback"


# Each received call as the profiles name it (the request log's endpoint of the WMS's side).
RECEIVED_CALLS = {
    ReceivedKind.INBOUND_CALLBACK: "inbound_callback",
    ReceivedKind.LABEL: "shipping_label",
    ReceivedKind.OUTBOUND_CALLBACK: "outbound_callback",
}


def receive_routes() -> list[tuple[str, str, str]]:
    """(profile, kind, route under the simulator's root) of every call of every profile."""
    return [(name, kind, profile.outgoing[call].route) for name, profile in PROFILES.items()
            for kind, call in RECEIVED_CALLS.items()]


LABEL_FORMAT_PDF = LABEL_FORMAT_DEFAULT


class LabelMode(models.TextChoices):
    """How the label answer carries the file: inline (``label_base64``) or as a link (``label_url``)."""

    BASE64 = "base64", "label_base64"
    URL = "url", "label_url"


# --- envelope -----------------------------------------------------------------------------------------


class Code(models.IntegerChoices):
    """Our business codes, with the numbers the WMS's mapping gives them (a profile may write them as words)."""

    OK = CODE_OK, "success"
    BAD_REQUEST = CODE_BAD_REQUEST, "bad_request"
    VALIDATION_ERROR = DOMAIN_ERROR_CODES[ErrorCode.VALIDATION_ERROR], "validation_error"
    UNKNOWN_SKU = DOMAIN_ERROR_CODES[ErrorCode.UNKNOWN_SKU], "unknown_sku"
    NOT_FOUND = DOMAIN_ERROR_CODES[ErrorCode.NOT_FOUND], "not_found"
    CONFLICT = DOMAIN_ERROR_CODES[ErrorCode.CONFLICT], "conflict"
    INVALID_STATE = DOMAIN_ERROR_CODES[ErrorCode.INVALID_STATE], "invalid_state"
    CANCEL_REFUSED = DOMAIN_ERROR_CODES[ErrorCode.CANCEL_REFUSED], "cancel_refused"
    UNAUTHORIZED = CODE_UNAUTHORIZED, "unauthorized"
    TOO_LARGE = CODE_TOO_LARGE, "too_large"
    RATE_LIMITED = 4029, "rate_limited"  # the contract names no code for HTTP 429; the simulator's own
    SERVER_ERROR = CODE_SERVER_ERROR, "server_error"


def envelope_ok(data: dict, *, profile: Profile | None = None) -> dict:
    """OneWarehouse's success answer in the profile's shape (the active one unless given)."""
    return (profile or profile_active()).peer_answer.answer(code=Code.OK, data=data)


def envelope_error(*, code: int, msg: str, errors: dict | None = None, data: dict | None = None,
                   profile: Profile | None = None) -> dict:
    return (profile or profile_active()).peer_answer.answer(code=int(code), msg=msg, data=data, errors=errors)


def business_code(envelope) -> int | None:
    """An answer of the WMS read back as our business code, in the active profile."""
    return profile_active().envelope.business_code(envelope)


# --- payload builders: the examples' values as domain facts, rendered in the active profile's names ------------

EXAMPLE_WAREHOUSE_CODE = "TW-TPE-01"
EXAMPLE_OWNER_CODE = "MERCHANT-A"

_PRODUCT = {
    "sku_id": "OW-100234", "sku_code": "TSHIRT-BLK-M", "name": "Cotton T-shirt, black, M",
    "barcode": "4710000100234", "weight_kg": "0.220", "length_cm": "30.0", "width_cm": "25.0", "height_cm": "2.0",
    "declared_value": "12.50", "currency": "USD", "image_url": "https://img.example.com/OW-100234.jpg",
    "owner_code": EXAMPLE_OWNER_CODE,
}
_RECIPIENT = {
    "name": "Lin Mei", "phone": "+886912345678", "email": "mei@example.com", "country_code": "TW",
    "state": "Taipei City", "city": "Taipei", "district": "Xinyi", "address1": "No. 7, Sec. 5, Xinyi Rd.",
    "address2": "12F", "zip_code": "110",
}
_LOGISTICS = {"provider_code": "TCAT", "provider_name": "T-Cat", "service_code": "HOME", "tracking_no": ""}


@dataclass(frozen=True)
class Item:
    sku_id: str
    quantity: int


def _items(items: list[Item]) -> list[dict]:
    return [{"sku_id": item.sku_id, "quantity": item.quantity} for item in items]


def render(kind: str, data: dict, *, profile: Profile | None = None) -> dict:
    """Domain facts (the WMS services' keyword arguments) as the push ``kind`` in the profile's names."""
    row = (profile or profile_active()).receiving[Endpoint(kind)]
    return payload_render(row.payload(data), data)


def product_data(*, sku_id: str, owner_code: str = EXAMPLE_OWNER_CODE, barcode: str = "") -> dict:
    return {**copy.deepcopy(_PRODUCT), "sku_id": sku_id, "sku_code": f"CODE-{sku_id}",
            "name": f"Simulated product {sku_id}", "barcode": barcode or _PRODUCT["barcode"],
            "image_url": f"https://img.example.com/{sku_id}.jpg", "owner_code": owner_code}


def inbound_purchase_data(*, inbound_order_no: str, items: list[Item], warehouse_code: str = EXAMPLE_WAREHOUSE_CODE,
                          owner_code: str = EXAMPLE_OWNER_CODE) -> dict:
    return {
        "inbound_order_no": inbound_order_no, "order_type": "PURCHASE", "warehouse_code": warehouse_code,
        "owner_code": owner_code, "expected_arrival_at": "2026-11-25T10:00:00+08:00",
        "tracking_no": "SF1234567890", "carrier": "SF Express", "remark": "2 cartons", "items": _items(items),
    }


def inbound_return_data(*, inbound_order_no: str, original_order_no: str, items: list[Item],
                        warehouse_code: str = EXAMPLE_WAREHOUSE_CODE, owner_code: str = EXAMPLE_OWNER_CODE,
                        platform_order_no: str = "") -> dict:
    return {
        "inbound_order_no": inbound_order_no, "order_type": "RETURN", "warehouse_code": warehouse_code,
        "owner_code": owner_code, "original_order_no": original_order_no,
        "platform_order_no": platform_order_no or f"SHOPEE-{original_order_no}", "tracking_no": "TCAT998877",
        "carrier": "T-Cat", "remark": "customer says wrong size", "items": _items(items),
    }


def outbound_create_data(*, outbound_order_no: str, items: list[Item], warehouse_code: str = EXAMPLE_WAREHOUSE_CODE,
                         owner_code: str = EXAMPLE_OWNER_CODE) -> dict:
    return {
        "outbound_order_no": outbound_order_no, "platform_order_no": f"SHOPEE-{outbound_order_no}",
        "warehouse_code": warehouse_code, "owner_code": owner_code, "recipient": copy.deepcopy(_RECIPIENT),
        "items": _items(items), "logistics": copy.deepcopy(_LOGISTICS), "cod_amount": "0", "currency": "TWD",
        "remark": "gift wrap",
    }


def product_payload(*, sku_id: str, owner_code: str = EXAMPLE_OWNER_CODE, barcode: str = "", **overrides) -> dict:
    """A product push; ``overrides`` are wire fields set on the rendered payload."""
    payload = render(PushKind.PRODUCT_SYNC, product_data(sku_id=sku_id, owner_code=owner_code, barcode=barcode))
    payload.update(overrides)
    return payload


def inbound_purchase_payload(**facts) -> dict:
    return render(PushKind.INBOUND_PURCHASE, inbound_purchase_data(**facts))


def inbound_return_payload(**facts) -> dict:
    return render(PushKind.INBOUND_RETURN, inbound_return_data(**facts))


def inbound_cancel_payload(*, inbound_order_no: str, reason: str = "supplier delayed the shipment") -> dict:
    return render(PushKind.INBOUND_CANCEL, {"inbound_order_no": inbound_order_no, "reason": reason})


def outbound_create_payload(**facts) -> dict:
    return render(PushKind.OUTBOUND_CREATE, outbound_create_data(**facts))


def outbound_cancel_payload(*, outbound_order_no: str, reason: str = "buyer cancelled") -> dict:
    return render(PushKind.OUTBOUND_CANCEL, {"outbound_order_no": outbound_order_no, "reason": reason})


def answer_data(kind: str, facts: dict) -> dict:
    """What an answer's ``data`` must hold, in the active profile's names: ``facts`` are keyed by the result's
    sources (``order.inbound_order_no``, ``product.sku_id``, ``created``)."""
    row = profile_active().receiving[Endpoint(kind)]
    return {row.answer_key(source): value for source, value in facts.items()}


def order_no_of(*, kind: str, payload) -> str:
    """The order number (or sku_id) a push is about, '' when the payload does not carry one."""
    if isinstance(payload, dict):
        field = profile_active().receiving[Endpoint(kind)].order_no_field or "sku_id"
        value = payload.get(field, "")
        return value if isinstance(value, str) else str(value)
    return ""
