"""The names of profile ``contract`` (docs/contracts/onewarehouse/contract/README.md, our assumption written
before OneWarehouse's wire format was known), and what every profile shares: the six receiving URLs and the
business codes. Which serializer, handler and answer each URL uses is the profile's table
(``profiles/contract.py``, ``profiles/v20210901.py``).

Incoming: payload -> keyword arguments of the domain services. Outgoing: domain facts -> request bodies.
"""

from datetime import datetime
from decimal import Decimal

from django.core.validators import EmailValidator, RegexValidator, URLValidator
from django.db import models
from rest_framework import serializers

from wms.core.errors import ErrorCode
from wms.inbound.models import InboundOrder
from wms.outbound.models import OutboundOrder

from .serializers import OptionalDecimal, OptionalText, Quantity, StrictCharField, StrictChoiceField

# ======================================================================================================
# Incoming (OneWarehouse -> WMS): paths, envelope and payload fields
# ======================================================================================================
CURRENCY_CODE = RegexValidator(r"^[A-Z]{3}$", "Enter an ISO 4217 code of three capital letters.")
COUNTRY_CODE = RegexValidator(r"^[A-Z]{2}$", "Enter an ISO 3166-1 alpha-2 code of two capital letters.")


# The six receiving URLs (under /api/onewarehouse/) and the endpoint name each is logged under.
class Endpoint(models.TextChoices):
    PRODUCT_SYNC = "product_sync", "Product sync"
    INBOUND_PURCHASE = "inbound_purchase", "Purchase inbound"
    INBOUND_RETURN = "inbound_return", "Return inbound"
    INBOUND_CANCEL = "inbound_cancel", "Inbound cancellation"
    OUTBOUND_CREATE = "outbound_create", "Outbound creation"
    OUTBOUND_CANCEL = "outbound_cancel", "Outbound cancellation (interception)"


INCOMING_PATHS = {
    Endpoint.PRODUCT_SYNC: "products/sync",
    Endpoint.INBOUND_PURCHASE: "inbound-orders/purchase",
    Endpoint.INBOUND_RETURN: "inbound-orders/return",
    Endpoint.INBOUND_CANCEL: "inbound-orders/cancel",
    Endpoint.OUTBOUND_CREATE: "outbound-orders",
    Endpoint.OUTBOUND_CANCEL: "outbound-orders/cancel",
}

# --- Envelope ------------------------------------------------------------------------------------------
CODE_OK = 0
CODE_BAD_REQUEST = 1000
CODE_UNAUTHORIZED = 4001
CODE_TOO_LARGE = 4013
CODE_SERVER_ERROR = 5000
CODE_BUSY = 5003  # a temporary refusal (transaction conflicts after re-runs): retry later
MSG_OK = "success"
# The business code of each typed domain error. A domain error not listed (none is expected from a push)
# answers invalid_state: the order's state, not the request, forbids it.
DOMAIN_ERROR_CODES = {
    ErrorCode.VALIDATION_ERROR: 1001,
    ErrorCode.UNKNOWN_SKU: 1002,
    ErrorCode.NOT_FOUND: 1003,
    ErrorCode.CONFLICT: 1004,
    ErrorCode.INVALID_STATE: 1005,
    ErrorCode.CANCEL_REFUSED: 1006,
}
CODE_FALLBACK_DOMAIN = DOMAIN_ERROR_CODES[ErrorCode.INVALID_STATE]
# Each business code's name: the contract's table, and the ``reason`` of profiles whose codes are words.
CODE_REASONS = {
    CODE_OK: "ok", CODE_BAD_REQUEST: "bad_request", CODE_UNAUTHORIZED: "unauthorized", CODE_TOO_LARGE: "too_large",
    CODE_SERVER_ERROR: "server_error", CODE_BUSY: "busy",
    **{code: str(error) for error, code in DOMAIN_ERROR_CODES.items()},
}


def envelope_ok(data) -> dict:
    return {"code": CODE_OK, "success": True, "msg": MSG_OK, "data": data}


def envelope_failure(*, code: int, msg: str, errors: dict | None = None, data: dict | None = None) -> dict:
    """A failure; ``errors`` (field path -> messages) only when fields are named, as in the contract's examples."""
    body = {"code": code, "success": False, "msg": msg}
    if errors:
        body["errors"] = errors
    body["data"] = data or {}
    return body


# --- Payloads: external names -> keyword arguments of the domain services (``source=``) -----------------
PRODUCT_BATCH_KEY = "products"
PRODUCT_BATCH_MAX = 500


def no_repeated_sku(items: list[dict]) -> None:
    """A sku_id at most once per list (order lines, a product batch)."""
    seen, repeated = set(), {}
    for index, item in enumerate(items):
        if item["sku_id"] in seen:
            repeated[index] = {"sku_id": [f"sku_id {item['sku_id']} appears more than once."]}
        seen.add(item["sku_id"])
    if repeated:
        raise serializers.ValidationError(repeated)


class ProductPayload(serializers.Serializer):
    """One product. An optional field left out is left as it is; sent as null or "" it is cleared."""

    sku_id = StrictCharField(max_length=64)
    sku_code = OptionalText(max_length=100)
    product_name = StrictCharField(max_length=255, source="name")
    barcode = OptionalText(max_length=64)
    weight = OptionalDecimal(max_digits=10, decimal_places=3, source="weight_kg", help_text="kg")
    length = OptionalDecimal(max_digits=10, decimal_places=2, source="length_cm", help_text="cm")
    width = OptionalDecimal(max_digits=10, decimal_places=2, source="width_cm", help_text="cm")
    height = OptionalDecimal(max_digits=10, decimal_places=2, source="height_cm", help_text="cm")
    declared_value = OptionalDecimal(max_digits=12, decimal_places=2)
    currency = OptionalText(max_length=3, validators=[CURRENCY_CODE], help_text="ISO 4217")
    image_url = OptionalText(max_length=500, validators=[URLValidator()])
    owner_code = StrictCharField(max_length=64, help_text="The merchant.")


class ProductBatchPayload(serializers.Serializer):
    products = ProductPayload(many=True, allow_empty=False, max_length=PRODUCT_BATCH_MAX)

    def validate_products(self, value):
        no_repeated_sku(value)
        return value


def product_sync_payload_class(payload: dict) -> type[serializers.Serializer]:
    """A batch is ``{"products": [...]}``; anything else is one product."""
    return ProductBatchPayload if PRODUCT_BATCH_KEY in payload else ProductPayload


class OrderItemPayload(serializers.Serializer):
    sku_id = StrictCharField(max_length=64)
    quantity = Quantity()


class InboundOrderPayload(serializers.Serializer):
    ORDER_TYPE = InboundOrder.OrderType.PURCHASE

    inbound_order_no = StrictCharField(max_length=64)
    order_type = StrictChoiceField(choices=InboundOrder.OrderType.choices, required=False,
                                         help_text="Optional: the URL says it; if given it must match.")
    warehouse_code = StrictCharField(max_length=64)
    owner_code = StrictCharField(max_length=64)
    expected_arrival_time = serializers.DateTimeField(source="expected_arrival_at", required=False,
                                                      allow_null=True, default=None, help_text="ISO 8601")
    tracking_no = OptionalText(max_length=100, default="")
    carrier = OptionalText(max_length=100, default="")
    remark = OptionalText(default="")
    items = OrderItemPayload(many=True, allow_empty=False)

    def validate_order_type(self, value):
        if value != self.ORDER_TYPE:
            raise serializers.ValidationError(f"This URL takes {self.ORDER_TYPE} orders.")
        return value

    def validate_items(self, value):
        no_repeated_sku(value)
        return value

    def validate(self, attrs):
        attrs["order_type"] = self.ORDER_TYPE
        return attrs


class ReturnInboundOrderPayload(InboundOrderPayload):
    ORDER_TYPE = InboundOrder.OrderType.RETURN

    original_order_no = OptionalText(max_length=64, default="", help_text="Our outbound order the goods come from.")
    platform_order_no = OptionalText(max_length=64, default="")


class RecipientPayload(serializers.Serializer):
    name = StrictCharField(max_length=200)
    phone = OptionalText(max_length=50, default="")
    email = OptionalText(max_length=254, default="", validators=[EmailValidator()])
    country_code = StrictCharField(max_length=2, validators=[COUNTRY_CODE], help_text="ISO 3166-1 alpha-2")
    state = OptionalText(max_length=100, default="")
    city = StrictCharField(max_length=100)
    district = OptionalText(max_length=100, default="")
    address1 = StrictCharField(max_length=255)
    address2 = OptionalText(max_length=255, default="")
    zip_code = OptionalText(max_length=20, default="")


class LogisticsPayload(serializers.Serializer):
    provider_code = StrictCharField(max_length=50)
    provider_name = OptionalText(max_length=100, default="")
    service_code = OptionalText(max_length=50, default="")
    tracking_no = OptionalText(max_length=100, default="")


class OutboundOrderPayload(serializers.Serializer):
    outbound_order_no = StrictCharField(max_length=64)
    platform_order_no = OptionalText(max_length=64, default="")
    warehouse_code = StrictCharField(max_length=64)
    owner_code = StrictCharField(max_length=64)
    recipient = RecipientPayload()
    items = OrderItemPayload(many=True, allow_empty=False)
    logistics = LogisticsPayload()
    cod_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False,
                                          default=Decimal("0.00"), rounding="ROUND_HALF_UP")
    currency = OptionalText(max_length=3, default="", validators=[CURRENCY_CODE], help_text="ISO 4217")
    remark = OptionalText(default="")

    def validate_items(self, value):
        no_repeated_sku(value)
        return value


class InboundCancelPayload(serializers.Serializer):
    inbound_order_no = StrictCharField(max_length=64)
    reason = OptionalText(default="")


class OutboundCancelPayload(serializers.Serializer):
    outbound_order_no = StrictCharField(max_length=64)
    reason = OptionalText(default="")


def choices_text(choices) -> str:
    # Plain text rather than an enum: two enums both named "status" would collide in the OpenAPI components.
    return "One of " + ", ".join(choices.values) + "."


# --- Answers: domain objects -> the envelope's ``data`` (instances are dicts: {"order"/"product", ...}) --
class ProductSyncResult(serializers.Serializer):
    sku_id = serializers.CharField(source="product.sku_id")
    created = serializers.BooleanField()


class InboundOrderResult(serializers.Serializer):
    inbound_order_no = serializers.CharField(source="order.inbound_order_no")
    status = serializers.CharField(source="order.status", help_text=choices_text(InboundOrder.Status))
    created = serializers.BooleanField()


class InboundCancelResult(serializers.Serializer):
    inbound_order_no = serializers.CharField(source="order.inbound_order_no")
    cancelled = serializers.BooleanField()
    status = serializers.CharField(source="order.status", help_text=choices_text(InboundOrder.Status))
    reason = serializers.CharField(source="order.cancel_reason")


class OutboundOrderResult(serializers.Serializer):
    outbound_order_no = serializers.CharField(source="order.outbound_order_no")
    status = serializers.CharField(source="order.status", help_text=choices_text(OutboundOrder.Status))
    created = serializers.BooleanField()


class OutboundCancelResult(serializers.Serializer):
    outbound_order_no = serializers.CharField(source="order.outbound_order_no")
    intercepted = serializers.BooleanField()
    status = serializers.CharField(source="order.status", help_text=choices_text(OutboundOrder.Status))
    reason = serializers.CharField(source="order.cancel_reason")


# For the OpenAPI document: the envelope around each answer, and around every failure.
class EnvelopeSchema(serializers.Serializer):
    code = serializers.IntegerField(help_text="0 on success, else the business code.")
    success = serializers.BooleanField()
    msg = serializers.CharField()


class FailureEnvelopeSchema(EnvelopeSchema):
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False,
                                   help_text="Field path (items.0.quantity) -> messages; only when fields are named.")
    data = serializers.DictField(help_text="Facts for the caller, e.g. the order's status and the reason.")


def envelope_schema(name: str, data: serializers.Field) -> type[serializers.Serializer]:
    return type(name, (EnvelopeSchema,), {"data": data, "__module__": __name__})


def envelope_business_code(body) -> int | None:
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None



# ======================================================================================================
# Outgoing (WMS -> OneWarehouse): paths and bodies of the callbacks and the label request
# ======================================================================================================
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


def _out_time(value: str) -> str:
    """ISO 8601 to the second with offset, as in the contract's examples ("2026-11-25T15:42:10+08:00")."""
    return datetime.fromisoformat(value).isoformat(timespec="seconds")


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


def out_answer(*, code: int, msg: str = "", data: dict | None = None, errors: dict | None = None) -> dict:
    """OneWarehouse's answer to one of our calls (the simulator's side)."""
    if code == OUT_CODE_OK:
        return {OUT_ANSWER_CODE: code, "success": True, OUT_ANSWER_MSG: MSG_OK, OUT_ANSWER_DATA: data or {}}
    body = {OUT_ANSWER_CODE: int(code), "success": False, OUT_ANSWER_MSG: msg, OUT_ANSWER_DATA: data or {}}
    if errors:
        body[OUT_ANSWER_ERRORS] = errors
    return body


# --- How OneWarehouse validates our calls (the simulator plays it) -------------------------------------------
class InboundCallbackItemRequest(serializers.Serializer):
    sku_id = serializers.CharField(max_length=64)
    expected_qty = serializers.IntegerField(min_value=0)
    received_qty = serializers.IntegerField(min_value=0)
    good_qty = serializers.IntegerField(min_value=0)
    damaged_qty = serializers.IntegerField(min_value=0)

    def validate(self, attrs):
        if attrs["good_qty"] + attrs["damaged_qty"] != attrs["received_qty"]:
            raise serializers.ValidationError({"received_qty": ["must equal good_qty + damaged_qty"]})
        return attrs


class InboundCallbackRequest(serializers.Serializer):
    inbound_order_no = serializers.CharField(max_length=100)
    status = serializers.ChoiceField(choices=[OUT_INBOUND_STATUS_COMPLETED])
    completed_time = serializers.DateTimeField()
    items = InboundCallbackItemRequest(many=True, allow_empty=False)


class LabelRequest(serializers.Serializer):
    outbound_order_no = serializers.CharField(max_length=100)


class PackageItemRequest(serializers.Serializer):
    sku_id = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1)


class PackageRequest(serializers.Serializer):
    package_no = serializers.CharField(max_length=64)
    weight = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=0)
    length = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    width = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    height = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    items = PackageItemRequest(many=True, allow_empty=False)


class OutboundCallbackRequest(serializers.Serializer):
    outbound_order_no = serializers.CharField(max_length=100)
    status = serializers.ChoiceField(choices=[OUT_OUTBOUND_STATUS_SHIPPED])
    shipped_time = serializers.DateTimeField()
    tracking_no = serializers.CharField(max_length=64)
    packages = PackageRequest(many=True, allow_empty=False)
