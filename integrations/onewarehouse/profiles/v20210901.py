"""Profile ``v20210901``: OneWarehouse as seen in the field (docs/contracts/onewarehouse/v20210901/README.md, with
its "our choice" table, and its ``examples/``). Every name of this dialect is in this module: the payloads'
serializers, the answers, the envelope, the callbacks' paths and bodies, the label call and its answer.

Where the field page is silent we chose (and say so in the page's table): warehouse and merchant from
``warehouse_code`` / ``account_no`` or the configured defaults; the receiving answers carry ``msg`` and ``data``
besides ``code``; failures carry our ``reason``; the consignee's ``consignee_phone`` wins over
``consignee_mobile``; weights in kg and sizes in cm as in our contract; a ``FAIL`` answer to our calls is retried.
"""

from django.conf import settings
from rest_framework import serializers

from integrations.onewarehouse import handlers, mapping
from integrations.onewarehouse.mapping import Endpoint
from integrations.onewarehouse.serializers import OptionalDecimal, OptionalText, Quantity, StrictCharField
from wms.inbound.models import InboundOrder
from wms.outbound.models import OutboundOrder

from .base import (
    CONTRACTS_DIR,
    CallContext,
    Envelope,
    Example,
    LabelFields,
    Outgoing,
    PeerAnswer,
    Profile,
    Receiving,
    example_load,
)

DOCS = CONTRACTS_DIR / "v20210901"
NAME = "v20210901"
SIGNATURE_RECIPE = "v20210901-hmac"
CODE_SUCCESS = "SUCCESS"
CODE_FAIL = "FAIL"


def _example(name: str) -> dict:
    return example_load(DOCS, name)


# --- Payloads ------------------------------------------------------------------------------------------------

def _defaults_fill(attrs: dict, fields: tuple[tuple[str, str, str], ...]) -> dict:
    """(wire name, domain name, setting): a field left out (or empty) takes the setting; neither is an error."""
    errors = {}
    for wire, name, setting in fields:
        if not attrs.get(name):
            default = getattr(settings, setting)
            if default:
                attrs[name] = default
            else:
                errors[wire] = [f"This field is required (no {setting} is configured)."]
    if errors:
        raise serializers.ValidationError(errors)
    return attrs


WAREHOUSE_DEFAULT = ("warehouse_code", "warehouse_code", "ONEWAREHOUSE_DEFAULT_WAREHOUSE_CODE")
OWNER_DEFAULT = ("account_no", "owner_code", "ONEWAREHOUSE_DEFAULT_OWNER_CODE")


class FieldProductPayload(serializers.Serializer):
    """One product; an optional field left out is left as it is, sent as null or "" it is cleared."""

    sku_id = StrictCharField(max_length=64)
    sku_name = StrictCharField(max_length=255, source="name")
    barcode = OptionalText(max_length=64)
    weight = OptionalDecimal(max_digits=10, decimal_places=3, source="weight_kg", help_text="kg (our choice)")
    length = OptionalDecimal(max_digits=10, decimal_places=2, source="length_cm", help_text="cm (our choice)")
    width = OptionalDecimal(max_digits=10, decimal_places=2, source="width_cm", help_text="cm (our choice)")
    height = OptionalDecimal(max_digits=10, decimal_places=2, source="height_cm", help_text="cm (our choice)")
    account_no = OptionalText(max_length=64, source="owner_code",
                              help_text="The merchant; ONEWAREHOUSE_DEFAULT_OWNER_CODE when left out.")

    def validate(self, attrs):
        return _defaults_fill(attrs, (OWNER_DEFAULT,))


class FieldDetailPayload(serializers.Serializer):
    sku_id = StrictCharField(max_length=64)
    qty = Quantity(source="quantity")


class FieldInboundOrderPayload(serializers.Serializer):
    ORDER_TYPE = InboundOrder.OrderType.PURCHASE

    inbound_short_id = StrictCharField(max_length=64, source="inbound_order_no")
    warehouse_code = OptionalText(max_length=64, help_text="ONEWAREHOUSE_DEFAULT_WAREHOUSE_CODE when left out.")
    account_no = OptionalText(max_length=64, source="owner_code",
                              help_text="The merchant; ONEWAREHOUSE_DEFAULT_OWNER_CODE when left out.")
    details = FieldDetailPayload(many=True, allow_empty=False, source="items")

    def validate_details(self, value):
        mapping.no_repeated_sku(value)
        return value

    def validate(self, attrs):
        attrs["order_type"] = self.ORDER_TYPE
        return _defaults_fill(attrs, (WAREHOUSE_DEFAULT, OWNER_DEFAULT))


class FieldReturnInboundOrderPayload(FieldInboundOrderPayload):
    ORDER_TYPE = InboundOrder.OrderType.RETURN

    outbound_short_id = OptionalText(max_length=64, default="", source="original_order_no",
                                     help_text="Our outbound order the goods come from.")
    order_mc_id = OptionalText(max_length=64, default="", source="platform_order_no")


class FieldConsigneePayload(serializers.Serializer):
    consignee_name = StrictCharField(max_length=200, source="name")
    consignee_phone = OptionalText(max_length=50, default="", source="phone")
    consignee_mobile = OptionalText(max_length=50, default="", source="mobile",
                                    help_text="Used when consignee_phone is empty.")
    consignee_address = StrictCharField(max_length=255, source="address1")
    consignee_district = OptionalText(max_length=100, default="", source="district")
    consignee_city = StrictCharField(max_length=100, source="city")
    consignee_province = OptionalText(max_length=100, default="", source="state")

    def validate(self, attrs):
        mobile = attrs.pop("mobile", "")
        attrs["phone"] = attrs.get("phone") or mobile
        return attrs


class FieldLogisticsPayload(serializers.Serializer):
    express_type = OptionalText(max_length=50, default="", source="provider_code", help_text="The carrier.")
    express_id = OptionalText(max_length=100, default="", source="tracking_no", help_text="The waybill number.")


class FieldOutboundOrderPayload(serializers.Serializer):
    outbound_short_id = StrictCharField(max_length=64, source="outbound_order_no")
    order_mc_id = OptionalText(max_length=64, default="", source="platform_order_no",
                               help_text="The merchant's order number.")
    warehouse_code = OptionalText(max_length=64, help_text="ONEWAREHOUSE_DEFAULT_WAREHOUSE_CODE when left out.")
    account_no = OptionalText(max_length=64, source="owner_code",
                              help_text="The merchant; ONEWAREHOUSE_DEFAULT_OWNER_CODE when left out.")
    consigneer = FieldConsigneePayload(source="recipient")
    details = FieldDetailPayload(many=True, allow_empty=False, source="items")
    logistics = FieldLogisticsPayload(required=False)

    def validate_details(self, value):
        mapping.no_repeated_sku(value)
        return value

    def validate(self, attrs):
        attrs.setdefault("logistics", {"provider_code": "", "tracking_no": ""})
        return _defaults_fill(attrs, (WAREHOUSE_DEFAULT, OWNER_DEFAULT))


class FieldInboundCancelPayload(serializers.Serializer):
    inbound_short_id = StrictCharField(max_length=64, source="inbound_order_no")
    reason = OptionalText(default="")


class FieldOutboundCancelPayload(serializers.Serializer):
    outbound_short_id = StrictCharField(max_length=64, source="outbound_order_no")
    reason = OptionalText(default="")


# --- Answers' data ---------------------------------------------------------------------------------------------

class FieldProductResult(serializers.Serializer):
    sku_id = serializers.CharField(source="product.sku_id")
    created = serializers.BooleanField()


class FieldInboundOrderResult(serializers.Serializer):
    inbound_short_id = serializers.CharField(source="order.inbound_order_no")
    status = serializers.CharField(source="order.status", help_text=mapping.choices_text(InboundOrder.Status))
    created = serializers.BooleanField()


class FieldInboundCancelResult(serializers.Serializer):
    inbound_short_id = serializers.CharField(source="order.inbound_order_no")
    cancelled = serializers.BooleanField()
    status = serializers.CharField(source="order.status", help_text=mapping.choices_text(InboundOrder.Status))
    reason = serializers.CharField(source="order.cancel_reason")


class FieldOutboundOrderResult(serializers.Serializer):
    outbound_short_id = serializers.CharField(source="order.outbound_order_no")
    status = serializers.CharField(source="order.status", help_text=mapping.choices_text(OutboundOrder.Status))
    created = serializers.BooleanField()


class FieldOutboundCancelResult(serializers.Serializer):
    outbound_short_id = serializers.CharField(source="order.outbound_order_no")
    intercepted = serializers.BooleanField()
    status = serializers.CharField(source="order.status", help_text=mapping.choices_text(OutboundOrder.Status))
    reason = serializers.CharField(source="order.cancel_reason")


# --- Envelope --------------------------------------------------------------------------------------------------

def envelope_ok(data) -> dict:
    return {"code": CODE_SUCCESS, "msg": mapping.MSG_OK, "data": data}


def envelope_failure(*, code: int, msg: str, errors: dict | None = None, data: dict | None = None) -> dict:
    """``{"code": "FAIL", "msg", "reason"}`` (our business reason), ``errors`` when fields are named, ``data``."""
    body = {"code": CODE_FAIL, "msg": msg, "reason": mapping.CODE_REASONS.get(code, str(code))}
    if errors:
        body["errors"] = errors
    body["data"] = data or {}
    return body


_REASON_CODES = {reason: code for code, reason in mapping.CODE_REASONS.items()}


def envelope_business_code(body) -> int | None:
    """An answer read back as our code: SUCCESS is 0, FAIL its reason's code."""
    code = body.get("code") if isinstance(body, dict) else None
    if code == CODE_SUCCESS:
        return mapping.CODE_OK
    if code == CODE_FAIL:
        return _REASON_CODES.get(body.get("reason"))
    return None


class FieldEnvelopeSchema(serializers.Serializer):
    code = serializers.CharField(help_text=f"{CODE_SUCCESS} or {CODE_FAIL}.")
    msg = serializers.CharField()


class FieldFailureEnvelopeSchema(FieldEnvelopeSchema):
    reason = serializers.CharField(help_text="validation_error, unknown_sku, not_found, conflict, invalid_state, "
                                             "cancel_refused, bad_request, unauthorized, too_large, busy, ...")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False,
                                   help_text="Field path (details.0.qty) -> messages; only when fields are named.")
    data = serializers.DictField(help_text="Facts for the caller, e.g. the order's status and the reason.")


def envelope_schema(name: str, data: serializers.Field) -> type[serializers.Serializer]:
    return type(name, (FieldEnvelopeSchema,), {"data": data, "__module__": __name__})


CODES_TEXT = f"""Every answer is JSON: `{{"code": "{CODE_SUCCESS}", "msg", "data"}}` on success; on failure
`{{"code": "{CODE_FAIL}", "msg", "reason", "errors" (field path -> messages, when fields are invalid), "data"}}`
with HTTP 200 for a business refusal (`reason` validation_error, unknown_sku, not_found, conflict, invalid_state,
cancel_refused), 400 bad_request, 401 unauthorized, 413 too_large, 500 server_error, 503 busy (retry later).
A repeated delivery answers as the first one did."""

SIGNING_TEXT = f"""**Signing** (recipe `{SIGNATURE_RECIPE}`, our choice: the callbacks' recipe with the issued
key). Headers `appkey` (the issued app key), `timestamp` (Unix milliseconds) and
`sign = lowercase hex(HMAC-SHA256(key = app secret, message = raw body text + timestamp))`. Checking is optional
(OneWarehouse's FAQ); without it, restrict the URLs to OneWarehouse's addresses (`ONEWAREHOUSE_ALLOWED_IPS`).
A refused request answers HTTP 401."""


# --- The table -------------------------------------------------------------------------------------------------

def _always(payload_class):
    return lambda payload: payload_class


_INVALID = Example("Invalid fields", _example("response_validation_error"))
_PURCHASE = _example("inbound_purchase")
_RETURN = _example("inbound_return")
_INBOUND_CANCEL = _example("inbound_cancel")
_OUTBOUND_CANCEL = _example("outbound_cancel")
_ROUTING = (" `warehouse_code` and `account_no` (the merchant) default to ONEWAREHOUSE_DEFAULT_WAREHOUSE_CODE and "
            "ONEWAREHOUSE_DEFAULT_OWNER_CODE.")
_INBOUND_DESCRIPTION = ("Creates the inbound order, or updates it while it is CREATED (nothing counted yet); "
                        "afterwards an update answers reason invalid_state." + _ROUTING)


def _created(field: str, order: dict) -> Example:
    return Example("Created", envelope_ok({field: order[field], "status": "CREATED", "created": True}))


RECEIVING = {
    Endpoint.PRODUCT_SYNC: Receiving(
        endpoint=Endpoint.PRODUCT_SYNC, payload=_always(FieldProductPayload),
        act=handlers.product_sync(batch_key="products"), result=FieldProductResult, order_no_field="",
        summary="Product sync (upsert by sku_id)",
        description="One product. A field left out is left unchanged; null or \"\" clears it. `account_no` (the "
                    "merchant) defaults to ONEWAREHOUSE_DEFAULT_OWNER_CODE.",
        examples=(Example("product_sync", _example("product_sync"), request=True),
                  Example("Created", envelope_ok({"sku_id": "OW-100234", "created": True})), _INVALID),
    ),
    Endpoint.INBOUND_PURCHASE: Receiving(
        endpoint=Endpoint.INBOUND_PURCHASE, payload=_always(FieldInboundOrderPayload), act=handlers.inbound_upsert,
        result=FieldInboundOrderResult, order_no_field="inbound_short_id",
        summary="Purchase inbound order (create or update)", description=_INBOUND_DESCRIPTION,
        examples=(Example("inbound_purchase", _PURCHASE, request=True), _created("inbound_short_id", _PURCHASE),
                  _INVALID),
    ),
    Endpoint.INBOUND_RETURN: Receiving(
        endpoint=Endpoint.INBOUND_RETURN, payload=_always(FieldReturnInboundOrderPayload),
        act=handlers.inbound_upsert, result=FieldInboundOrderResult, order_no_field="inbound_short_id",
        summary="Return inbound order (create or update)",
        description=_INBOUND_DESCRIPTION + " `outbound_short_id` names the outbound order the goods come from.",
        examples=(Example("inbound_return", _RETURN, request=True), _created("inbound_short_id", _RETURN), _INVALID),
    ),
    Endpoint.INBOUND_CANCEL: Receiving(
        endpoint=Endpoint.INBOUND_CANCEL, payload=_always(FieldInboundCancelPayload), act=handlers.inbound_cancel,
        result=FieldInboundCancelResult, order_no_field="inbound_short_id", summary="Inbound order cancellation",
        description="Allowed while the order is CREATED; refused (reason cancel_refused, with status) once "
                    "receiving has started; not_found for an unknown order. Cancelling twice answers the same.",
        examples=(Example("inbound_cancel", _INBOUND_CANCEL, request=True),
                  Example("Cancelled", envelope_ok({**_INBOUND_CANCEL, "cancelled": True, "status": "CANCELLED"}))),
    ),
    Endpoint.OUTBOUND_CREATE: Receiving(
        endpoint=Endpoint.OUTBOUND_CREATE, payload=_always(FieldOutboundOrderPayload),
        act=handlers.outbound_create(allocate_after_answer=True), result=FieldOutboundOrderResult,
        order_no_field="outbound_short_id",
        summary="Outbound order creation",
        description="Creates the order (CREATED) and answers; its stock is reserved right after the answer "
                    "(ALLOCATED), else it is BACKORDERED. "
                    "`outbound_short_id` identifies the order (the callbacks send it back as `outbound_order_id`); "
                    "`order_mc_id` is kept as the platform order number. The same number with other content "
                    "answers reason conflict." + _ROUTING,
        examples=(Example("outbound_create", _example("outbound_create"), request=True),
                  Example("Created", _example("response_ok")), _INVALID),
    ),
    Endpoint.OUTBOUND_CANCEL: Receiving(
        endpoint=Endpoint.OUTBOUND_CANCEL, payload=_always(FieldOutboundCancelPayload),
        act=handlers.outbound_cancel, result=FieldOutboundCancelResult, order_no_field="outbound_short_id",
        summary="Outbound order cancellation (interception)",
        description="Succeeds until the order is SHIPPED and releases its reservations; refused after "
                    "(reason cancel_refused).",
        examples=(Example("outbound_cancel", _OUTBOUND_CANCEL, request=True),
                  Example("Intercepted", envelope_ok({**_OUTBOUND_CANCEL, "intercepted": True,
                                                      "status": "CANCELLED"})),
                  Example("Refused", _example("response_cancel_refused"))),
    ),
}


# --- Our calls -------------------------------------------------------------------------------------------------
STATUS_COMPLETED = "completed"
LOGISTICS_DELIVERED = "delivered"


def unique_key(*, order_no: str, endpoint: str, context: CallContext) -> str:
    """Stable per callback (the outbox message's retries send the same one), unique across callbacks."""
    return f"{order_no}-{endpoint}-{context.outbox_message_id or 0}"


def inbound_callback_body(payload: dict, context: CallContext) -> dict:
    """From the payload ``wms.inbound.services.inbound_order_complete`` queued."""
    return {
        "inbound_order_id": payload["inbound_order_no"],
        "unique_key": unique_key(order_no=payload["inbound_order_no"], endpoint="inbound_callback", context=context),
        "inbound_status": STATUS_COMPLETED,
        "details": [{"sku_id": item["sku_id"], "qty_good": item["good_qty"]} for item in payload["items"]],
    }


def label_request_body(payload: dict, context: CallContext) -> dict:
    return {"outbound_order_id": payload["outbound_order_no"]}


def outbound_callback_body(payload: dict, context: CallContext) -> dict:
    """From the payload ``wms.outbound.services.outbound_order_ship`` queued: one ``details`` entry per package
    (our choice: a package is an express parcel), one ``imei_list`` entry per sku (we record no IMEIs)."""
    skus = list(dict.fromkeys(item["sku_id"] for package in payload["packages"] for item in package["items"]))
    return {
        "outbound_order_id": payload["outbound_order_no"],
        "unique_key": unique_key(order_no=payload["outbound_order_no"], endpoint="outbound_callback",
                                 context=context),
        "outbound_status": STATUS_COMPLETED,
        "details": [{"express_details": [{"sku_id": item["sku_id"], "qty_actual": item["quantity"]}
                                         for item in package["items"]]}
                    for package in payload["packages"]],
        "logistics_status": LOGISTICS_DELIVERED,
        "imei_list": [{"sku_id": sku, "imeis": []} for sku in skus],
    }


# How OneWarehouse validates them (the simulator plays it).
class InboundCallbackDetail(serializers.Serializer):
    sku_id = serializers.CharField(max_length=64)
    qty_good = serializers.IntegerField(min_value=0)


class InboundCallbackRequest(serializers.Serializer):
    inbound_order_id = serializers.CharField(max_length=100)
    unique_key = serializers.CharField(max_length=200)
    inbound_status = serializers.ChoiceField(choices=[STATUS_COMPLETED])
    details = InboundCallbackDetail(many=True, allow_empty=False)


class LabelRequest(serializers.Serializer):
    outbound_order_id = serializers.CharField(max_length=100)


class ExpressDetail(serializers.Serializer):
    sku_id = serializers.CharField(max_length=64)
    qty_actual = serializers.IntegerField(min_value=1)


class OutboundCallbackDetail(serializers.Serializer):
    express_details = ExpressDetail(many=True, allow_empty=False)


class ImeiList(serializers.Serializer):
    sku_id = serializers.CharField(max_length=64)
    imeis = serializers.ListField(child=serializers.CharField())


class OutboundCallbackRequest(serializers.Serializer):
    outbound_order_id = serializers.CharField(max_length=100)
    unique_key = serializers.CharField(max_length=200)
    outbound_status = serializers.ChoiceField(choices=[STATUS_COMPLETED])
    details = OutboundCallbackDetail(many=True, allow_empty=False)
    logistics_status = serializers.CharField()
    imei_list = ImeiList(many=True)


OUTGOING = {
    "inbound_callback": Outgoing("inbound_callback", "/v20210901/onewarehouse/inbound/callback/{warehouse_code}",
                                 inbound_callback_body, "inbound_order_id", InboundCallbackRequest),
    "shipping_label": Outgoing("shipping_label", "/v20210901/onewarehouse/outbound/waybill/{warehouse_code}",
                               label_request_body, "outbound_order_id", LabelRequest),
    "outbound_callback": Outgoing("outbound_callback", "/v20210901/onewarehouse/outbound/callback/{warehouse_code}",
                                  outbound_callback_body, "outbound_order_id", OutboundCallbackRequest),
}


def peer_answer(*, code: int, msg: str = "", data: dict | None = None, errors: dict | None = None) -> dict:
    """OneWarehouse's answer to one of our calls (the simulator's side): ``{"code": "SUCCESS"}`` (with ``data``
    when it has any) or ``{"code": "FAIL", "msg", "errors"}``."""
    if code == mapping.CODE_OK:
        return {"code": CODE_SUCCESS, **({"data": data} if data else {})}
    body = {"code": CODE_FAIL, "msg": msg}
    if errors:
        body["errors"] = errors
    return body


def _logged_code(code) -> int | None:
    """The request log keeps a number: SUCCESS is 0, any other word 1."""
    if not isinstance(code, str):
        return None
    return mapping.CODE_OK if code == CODE_SUCCESS else 1


PROFILE = Profile(
    name=NAME,
    title="OneWarehouse as seen in the field (docs/contracts/onewarehouse/v20210901/)",
    signature_recipe=SIGNATURE_RECIPE,
    unknown_sku=handlers.UNKNOWN_SKU_PLACEHOLDER,  # a product may arrive after its order (one save upstream)
    receiving=RECEIVING,
    envelope=Envelope(ok=envelope_ok, failure=envelope_failure, success_schema=envelope_schema,
                      failure_schema=FieldFailureEnvelopeSchema, codes_text=CODES_TEXT,
                      business_code=envelope_business_code),
    outgoing=OUTGOING,
    # No code is known to mean "your request is wrong": every FAIL is retried with backoff, then dead.
    peer_answer=PeerAnswer(code_field="code", ok_code=CODE_SUCCESS, msg_field="msg", data_field="data",
                           errors_field="errors", answer=peer_answer, logged_code=_logged_code),
    label_fields=LabelFields(tracking_no="express_no", label_url="label_url", label_base64="label_base64",
                             label_format="label_format"),
    docs_dir=DOCS,
    signing_text=SIGNING_TEXT,
    signature_headers=(("appkey", "The issued app key."), ("timestamp", "Unix milliseconds."),
                       ("sign", "lowercase hex HMAC-SHA256 of the body text + timestamp; optional if not checked.")),
)
