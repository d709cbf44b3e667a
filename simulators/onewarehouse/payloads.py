"""The simulator's side of the OneWarehouse contract (shared/contracts/onewarehouse/README.md + examples/): the
paths, answer codes and values it shares with the WMS are the integration's own names
(``integrations.onewarehouse.mapping``), so a change of the contract is made once; the payload builders give the
contract's example values, and the tests that run the simulator against the WMS show where the two sides disagree.
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
    OUT_INBOUND_STATUS_COMPLETED,
    OUT_OUTBOUND_STATUS_SHIPPED,
    OUT_PATH_INBOUND_CALLBACK,
    OUT_PATH_LABEL,
    OUT_PATH_OUTBOUND_CALLBACK,
    Endpoint,
)
from wms.core.errors import ErrorCode

# --- pushes (OneWarehouse -> WMS) ---------------------------------------------------------------------


class PushKind(models.TextChoices):
    PRODUCT_SYNC = "product_sync", "Product sync"
    INBOUND_PURCHASE = "inbound_purchase", "Inbound purchase"
    INBOUND_RETURN = "inbound_return", "Inbound return"
    INBOUND_CANCEL = "inbound_cancel", "Inbound cancel"
    OUTBOUND_CREATE = "outbound_create", "Outbound create"
    OUTBOUND_CANCEL = "outbound_cancel", "Outbound cancel"


# Where the WMS mounts its receiving URLs (wms/urls.py), and each push's path under it.
WMS_RECEIVING_ROOT = "/api/onewarehouse/"
PUSH_PATHS = {kind: WMS_RECEIVING_ROOT + INCOMING_PATHS[Endpoint(kind.value)] for kind in PushKind}

# The field that names the order (or product) of each push, for the simulator's own records.
PUSH_ORDER_FIELD = {
    PushKind.PRODUCT_SYNC: "sku_id",
    PushKind.INBOUND_PURCHASE: "inbound_order_no",
    PushKind.INBOUND_RETURN: "inbound_order_no",
    PushKind.INBOUND_CANCEL: "inbound_order_no",
    PushKind.OUTBOUND_CREATE: "outbound_order_no",
    PushKind.OUTBOUND_CANCEL: "outbound_order_no",
}

# --- calls the simulator receives (WMS -> OneWarehouse) -----------------------------------------------


class ReceivedKind(models.TextChoices):
    INBOUND_CALLBACK = "inbound_callback", "Inbound order callback"
    LABEL = "label", "Get shipping label"
    OUTBOUND_CALLBACK = "outbound_callback", "Outbound order callback"


# The paths the WMS's client calls, as routes under the simulator's root.
RECEIVE_PATHS = {
    ReceivedKind.INBOUND_CALLBACK: OUT_PATH_INBOUND_CALLBACK.removeprefix("/"),
    ReceivedKind.LABEL: OUT_PATH_LABEL.removeprefix("/"),
    ReceivedKind.OUTBOUND_CALLBACK: OUT_PATH_OUTBOUND_CALLBACK.removeprefix("/"),
}

INBOUND_CALLBACK_STATUS_COMPLETED = OUT_INBOUND_STATUS_COMPLETED
OUTBOUND_CALLBACK_STATUS_SHIPPED = OUT_OUTBOUND_STATUS_SHIPPED


class LabelMode(models.TextChoices):
    """How the label answer carries the file: inline (``label_base64``) or as a link (``label_url``)."""

    BASE64 = "base64", "label_base64"
    URL = "url", "label_url"


# --- envelope -----------------------------------------------------------------------------------------


class Code(models.IntegerChoices):
    """The envelope's codes, with the numbers the WMS's mapping gives them."""

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


def envelope_ok(data: dict) -> dict:
    return {"code": Code.OK.value, "success": True, "msg": "success", "data": data}


def envelope_error(*, code: int, msg: str, errors: dict | None = None, data: dict | None = None) -> dict:
    body = {"code": int(code), "success": False, "msg": msg, "data": data or {}}
    if errors:
        body["errors"] = errors
    return body


# --- payload builders (shapes and values of examples/*.json) ------------------------------------------

EXAMPLE_WAREHOUSE_CODE = "TW-TPE-01"
EXAMPLE_OWNER_CODE = "MERCHANT-A"

_PRODUCT = {
    "sku_id": "OW-100234", "sku_code": "TSHIRT-BLK-M", "product_name": "Cotton T-shirt, black, M",
    "barcode": "4710000100234", "weight": "0.220", "length": "30.0", "width": "25.0", "height": "2.0",
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


def product_payload(*, sku_id: str, owner_code: str = EXAMPLE_OWNER_CODE, barcode: str = "", **overrides) -> dict:
    payload = copy.deepcopy(_PRODUCT)
    payload.update(sku_id=sku_id, sku_code=f"CODE-{sku_id}", product_name=f"Simulated product {sku_id}",
                   barcode=barcode or _PRODUCT["barcode"], image_url=f"https://img.example.com/{sku_id}.jpg",
                   owner_code=owner_code)
    payload.update(overrides)
    return payload


def inbound_purchase_payload(*, inbound_order_no: str, items: list[Item],
                             warehouse_code: str = EXAMPLE_WAREHOUSE_CODE,
                             owner_code: str = EXAMPLE_OWNER_CODE) -> dict:
    return {
        "inbound_order_no": inbound_order_no, "order_type": "PURCHASE", "warehouse_code": warehouse_code,
        "owner_code": owner_code, "expected_arrival_time": "2026-11-25T10:00:00+08:00",
        "tracking_no": "SF1234567890", "carrier": "SF Express", "remark": "2 cartons", "items": _items(items),
    }


def inbound_return_payload(*, inbound_order_no: str, original_order_no: str, items: list[Item],
                           warehouse_code: str = EXAMPLE_WAREHOUSE_CODE,
                           owner_code: str = EXAMPLE_OWNER_CODE, platform_order_no: str = "") -> dict:
    return {
        "inbound_order_no": inbound_order_no, "order_type": "RETURN", "warehouse_code": warehouse_code,
        "owner_code": owner_code, "original_order_no": original_order_no,
        "platform_order_no": platform_order_no or f"SHOPEE-{original_order_no}", "tracking_no": "TCAT998877",
        "carrier": "T-Cat", "remark": "customer says wrong size", "items": _items(items),
    }


def inbound_cancel_payload(*, inbound_order_no: str, reason: str = "supplier delayed the shipment") -> dict:
    return {"inbound_order_no": inbound_order_no, "reason": reason}


def outbound_create_payload(*, outbound_order_no: str, items: list[Item],
                            warehouse_code: str = EXAMPLE_WAREHOUSE_CODE,
                            owner_code: str = EXAMPLE_OWNER_CODE) -> dict:
    return {
        "outbound_order_no": outbound_order_no, "platform_order_no": f"SHOPEE-{outbound_order_no}",
        "warehouse_code": warehouse_code, "owner_code": owner_code, "recipient": copy.deepcopy(_RECIPIENT),
        "items": _items(items), "logistics": copy.deepcopy(_LOGISTICS), "cod_amount": "0", "currency": "TWD",
        "remark": "gift wrap",
    }


def outbound_cancel_payload(*, outbound_order_no: str, reason: str = "buyer cancelled") -> dict:
    return {"outbound_order_no": outbound_order_no, "reason": reason}


def order_no_of(*, kind: str, payload) -> str:
    """The order number (or sku_id) a push is about, '' when the payload does not carry one."""
    if isinstance(payload, dict):
        value = payload.get(PUSH_ORDER_FIELD[PushKind(kind)], "")
        return value if isinstance(value, str) else str(value)
    return ""
