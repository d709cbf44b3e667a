"""Every OneWarehouse field name, in one place: the contract is our assumption (OneWarehouse's OpenAPI is not
public), so the real spec must be a change to this module (and ``auth.py``) and nowhere else.

Incoming: payload -> keyword arguments of the domain services. Outgoing: domain facts -> request bodies.
"""

# ======================================================================================================
# Incoming (OneWarehouse -> WMS): paths, envelope and payload fields
# ======================================================================================================


# ======================================================================================================
# Outgoing (WMS -> OneWarehouse): paths and bodies of the callbacks and the label request
# ======================================================================================================
from dataclasses import dataclass as _dataclass
from datetime import datetime as _datetime

OUT_PATH_INBOUND_CALLBACK = "/openapi/wms/inbound-orders/callback"
OUT_PATH_LABEL = "/openapi/wms/outbound-orders/label"
OUT_PATH_OUTBOUND_CALLBACK = "/openapi/wms/outbound-orders/callback"

# The answer envelope of OneWarehouse's API.
OUT_ANSWER_CODE = "code"
OUT_ANSWER_MSG = "msg"
OUT_ANSWER_DATA = "data"
OUT_ANSWER_ERRORS = "errors"
OUT_CODE_OK = 0
# "The request itself is wrong": retrying the same body cannot help.
OUT_CODES_PERMANENT = frozenset({1001})

OUT_INBOUND_STATUS_COMPLETED = "COMPLETED"
OUT_OUTBOUND_STATUS_SHIPPED = "SHIPPED"
OUT_LABEL_FORMAT_PDF = "PDF"


def _out_time(value: str) -> str:
    """ISO 8601 to the second with offset, as in the contract's examples ("2026-11-25T15:42:10+08:00")."""
    return _datetime.fromisoformat(value).isoformat(timespec="seconds")


def inbound_callback_body(payload: dict) -> dict:
    """The inbound order callback, from the payload ``wms.inbound.services.inbound_order_complete`` queued."""
    return {
        "inbound_order_no": payload["inbound_order_no"],
        "status": OUT_INBOUND_STATUS_COMPLETED,
        "completed_time": _out_time(payload["completed_at"]),
        "items": [
            {"sku_id": item["sku_id"], "expected_qty": item["expected_qty"], "received_qty": item["received_qty"],
             "good_qty": item["good_qty"], "damaged_qty": item["damaged_qty"]}
            for item in payload["items"]
        ],
    }


def label_request_body(*, outbound_order_no: str) -> dict:
    return {"outbound_order_no": outbound_order_no}


@_dataclass(frozen=True)
class LabelAnswer:
    tracking_no: str
    label_format: str
    label_url: str
    label_base64: str


def label_answer_parse(data: dict) -> LabelAnswer:
    """The ``data`` of a label answer; raises ``ValueError`` if it holds no label."""
    if not isinstance(data, dict):
        raise ValueError("the label answer has no data object")
    answer = LabelAnswer(
        tracking_no=str(data.get("tracking_no") or ""),
        label_format=str(data.get("label_format") or OUT_LABEL_FORMAT_PDF).upper(),
        label_url=str(data.get("label_url") or ""),
        label_base64=str(data.get("label_base64") or ""),
    )
    if not (answer.label_url or answer.label_base64):
        raise ValueError("the label answer has neither label_url nor label_base64")
    return answer


def outbound_callback_body(payload: dict) -> dict:
    """The outbound order callback, from the payload ``wms.outbound.services.outbound_order_ship`` queued."""
    return {
        "outbound_order_no": payload["outbound_order_no"],
        "status": OUT_OUTBOUND_STATUS_SHIPPED,
        "shipped_time": _out_time(payload["shipped_at"]),
        "tracking_no": payload["tracking_no"],
        "packages": [
            {
                "package_no": package["package_no"],
                "weight": package["weight_kg"],
                "length": package["length_cm"], "width": package["width_cm"], "height": package["height_cm"],
                "items": [{"sku_id": item["sku_id"], "quantity": item["quantity"]} for item in package["items"]],
            }
            for package in payload["packages"]
        ],
    }
