"""Profile ``contract``: the wire format we wrote ourselves (docs/contracts/onewarehouse/contract/README.md and its
``examples/``), today's behaviour. Its names are in ``mapping.py``; this is its table, one row per URL and call."""

from integrations.onewarehouse import auth, handlers, mapping
from integrations.onewarehouse.mapping import Endpoint

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

DOCS = CONTRACTS_DIR / "contract"
NAME = "contract"
SIGNATURE_RECIPE = "md5"



def _example(name: str) -> dict:
    return example_load(DOCS, name)


def _always(payload_class):
    return lambda payload: payload_class


_PRODUCT = _example("product_sync")
_PURCHASE = _example("inbound_purchase")
_RETURN = _example("inbound_return")
_INBOUND_CANCEL = _example("inbound_cancel")
_OUTBOUND_CANCEL = _example("outbound_cancel")
_INVALID = Example("Invalid fields (1001)", _example("response_validation_error"))


def _inbound_created(order: dict) -> Example:
    return Example("Created", mapping.envelope_ok(
        {"inbound_order_no": order["inbound_order_no"], "status": "CREATED", "created": True}))


_INBOUND_DESCRIPTION = ("Creates the inbound order, or updates it while it is CREATED (nothing counted yet); "
                        "afterwards an update answers 1005 invalid_state. An unknown sku_id answers 1002.")

RECEIVING = {
    Endpoint.PRODUCT_SYNC: Receiving(
        endpoint=Endpoint.PRODUCT_SYNC, payload=mapping.product_sync_payload_class,
        act=handlers.product_sync(batch_key=mapping.PRODUCT_BATCH_KEY), result=mapping.ProductSyncResult,
        order_no_field="", summary="Product sync (upsert by sku_id)",
        description=f"One product, or a batch `{{\"{mapping.PRODUCT_BATCH_KEY}\": [...]}}` of at most "
                    f"{mapping.PRODUCT_BATCH_MAX}; the answer's `data` is then a list. A field left out is "
                    f"left unchanged; null or \"\" clears it.",
        examples=(
            Example("One product", _PRODUCT, request=True),
            Example("Batch", {mapping.PRODUCT_BATCH_KEY: [_PRODUCT]}, request=True),
            Example("Created", mapping.envelope_ok({"sku_id": _PRODUCT["sku_id"], "created": True})),
            _INVALID,
        ),
        request_schema=("ProductSyncRequest", (mapping.ProductPayload, mapping.ProductBatchPayload)),
    ),
    Endpoint.INBOUND_PURCHASE: Receiving(
        endpoint=Endpoint.INBOUND_PURCHASE, payload=_always(mapping.InboundOrderPayload), act=handlers.inbound_upsert,
        result=mapping.InboundOrderResult, order_no_field="inbound_order_no",
        summary="Purchase inbound order (create or update)", description=_INBOUND_DESCRIPTION,
        examples=(Example("inbound_purchase", _PURCHASE, request=True), _inbound_created(_PURCHASE), _INVALID),
    ),
    Endpoint.INBOUND_RETURN: Receiving(
        endpoint=Endpoint.INBOUND_RETURN, payload=_always(mapping.ReturnInboundOrderPayload),
        act=handlers.inbound_upsert, result=mapping.InboundOrderResult, order_no_field="inbound_order_no",
        summary="Return inbound order (create or update)", description=_INBOUND_DESCRIPTION,
        examples=(Example("inbound_return", _RETURN, request=True), _inbound_created(_RETURN), _INVALID),
    ),
    Endpoint.INBOUND_CANCEL: Receiving(
        endpoint=Endpoint.INBOUND_CANCEL, payload=_always(mapping.InboundCancelPayload), act=handlers.inbound_cancel,
        result=mapping.InboundCancelResult, order_no_field="inbound_order_no", summary="Inbound order cancellation",
        description="Allowed while the order is CREATED; refused (1006, with status and reason) once receiving "
                    "has started; 1003 for an unknown order. Cancelling twice answers the same.",
        examples=(
            Example("inbound_cancel", _INBOUND_CANCEL, request=True),
            Example("Cancelled", mapping.envelope_ok({**_INBOUND_CANCEL, "cancelled": True, "status": "CANCELLED"})),
        ),
    ),
    Endpoint.OUTBOUND_CREATE: Receiving(
        endpoint=Endpoint.OUTBOUND_CREATE, payload=_always(mapping.OutboundOrderPayload),
        act=handlers.outbound_create(allocate_after_answer=False), result=mapping.OutboundOrderResult,
        order_no_field="outbound_order_no",
        summary="Outbound order creation",
        description="Creates the order and reserves stock at once (ALLOCATED), else BACKORDERED. The same number "
                    "with other content answers 1004 conflict.",
        examples=(
            Example("outbound_create", _example("outbound_create"), request=True),
            Example("Allocated", _example("response_ok")),
            _INVALID,
        ),
    ),
    Endpoint.OUTBOUND_CANCEL: Receiving(
        endpoint=Endpoint.OUTBOUND_CANCEL, payload=_always(mapping.OutboundCancelPayload),
        act=handlers.outbound_cancel, result=mapping.OutboundCancelResult, order_no_field="outbound_order_no",
        summary="Outbound order cancellation (interception)",
        description="Succeeds until the order is SHIPPED and releases its reservations; refused after (1006).",
        examples=(
            Example("outbound_cancel", _OUTBOUND_CANCEL, request=True),
            Example("Intercepted", mapping.envelope_ok(
                {**_OUTBOUND_CANCEL, "intercepted": True, "status": "CANCELLED"})),
            Example("Refused (1006)", _example("response_cancel_refused")),
        ),
    ),
}


def _inbound_callback(payload: dict, context: CallContext) -> dict:
    return mapping.inbound_callback_body(payload)


def _label_request(payload: dict, context: CallContext) -> dict:
    return mapping.label_request_body(outbound_order_no=payload["outbound_order_no"])


def _outbound_callback(payload: dict, context: CallContext) -> dict:
    return mapping.outbound_callback_body(payload)


OUTGOING = {
    "inbound_callback": Outgoing("inbound_callback", mapping.OUT_PATH_INBOUND_CALLBACK, _inbound_callback,
                                 "inbound_order_no", mapping.InboundCallbackRequest),
    "shipping_label": Outgoing("shipping_label", mapping.OUT_PATH_LABEL, _label_request, "outbound_order_no",
                               mapping.LabelRequest),
    "outbound_callback": Outgoing("outbound_callback", mapping.OUT_PATH_OUTBOUND_CALLBACK, _outbound_callback,
                                  "outbound_order_no", mapping.OutboundCallbackRequest),
}

CODES_TEXT = """Every answer is the JSON envelope `{"code", "success", "msg", "data"}` (plus `errors`, keyed by
field path, when fields are invalid): 0 success, 1000 bad request, 1001 validation_error, 1002 unknown_sku,
1003 not_found, 1004 conflict, 1005 invalid_state, 1006 cancel_refused, 4001 unauthorized, 4013 too large,
5000 internal error, 5003 busy (temporary: retry later). A repeated delivery answers as the first one did."""

SIGNING_TEXT = f"""**Signing.** Each request carries `{auth.HEADER_APP_KEY}`, `{auth.HEADER_TIMESTAMP}` (Unix seconds)
and `{auth.HEADER_SIGN}` as headers, or the query parameters `{auth.QUERY_APP_KEY}`, `{auth.QUERY_TIMESTAMP}`,
`{auth.QUERY_SIGN}`. With the push key pair of the environment (sandbox or production), by the warehouse's
recipe (`ONEWAREHOUSE_SIGNATURE_MODE`, by default this profile's `md5`):

- `md5`: `UPPER(HEX(MD5(secret + "app_key" + app_key + "timestamp" + timestamp + raw_body + secret)))`
- `hmac-sha256`: `HEX(HMAC_SHA256(secret, timestamp + "." + raw_body))`
- `v20210901-hmac` (the field's): headers `appkey`, `timestamp` (Unix milliseconds), `sign` =
  `lowercase HEX(HMAC_SHA256(secret, raw_body + timestamp))`
- `none`: not checked (an IP allow-list should then be set).

The timestamp (seconds or milliseconds) must be within 300 s of the warehouse clock; an IP allow-list may apply
in every mode. A refused request answers HTTP 401, code 4001."""

PROFILE = Profile(
    name=NAME,
    title="Our contract (docs/contracts/onewarehouse/contract/)",
    signature_recipe=SIGNATURE_RECIPE,
    unknown_sku=handlers.UNKNOWN_SKU_REFUSE,  # the contract's unknown_sku (1002) answer
    receiving=RECEIVING,
    envelope=Envelope(ok=mapping.envelope_ok, failure=mapping.envelope_failure,
                      success_schema=mapping.envelope_schema, failure_schema=mapping.FailureEnvelopeSchema,
                      codes_text=CODES_TEXT, business_code=mapping.envelope_business_code),
    outgoing=OUTGOING,
    peer_answer=PeerAnswer(code_field=mapping.OUT_ANSWER_CODE, ok_code=mapping.OUT_CODE_OK,
                           msg_field=mapping.OUT_ANSWER_MSG, data_field=mapping.OUT_ANSWER_DATA,
                           errors_field=mapping.OUT_ANSWER_ERRORS, answer=mapping.out_answer,
                           permanent_codes=mapping.OUT_CODES_PERMANENT),
    label_fields=LabelFields(tracking_no="tracking_no", label_url="label_url", label_base64="label_base64",
                             label_format="label_format"),
    docs_dir=DOCS,
    signing_text=SIGNING_TEXT,
    signature_headers=((auth.HEADER_APP_KEY, "The push app key (or query `app_key`)."),
                       (auth.HEADER_TIMESTAMP, "Unix seconds (or query `timestamp`)."),
                       (auth.HEADER_SIGN, "The signature (or query `sign`); not needed in mode `none`.")),
    signature_query=((auth.QUERY_APP_KEY, "Instead of the header."), (auth.QUERY_TIMESTAMP, "Instead of the header."),
                     (auth.QUERY_SIGN, "Instead of the header.")),
)
