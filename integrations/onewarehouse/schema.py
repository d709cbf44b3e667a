"""The OpenAPI description of the six receiving URLs (drf-spectacular): payloads, envelopes, signing, examples.

The examples are the contract's own (``examples/*.json``, kept equal to the test fixtures by a test); the
answers are built with the same envelope functions the views use.
"""

import json
from pathlib import Path

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)

from . import auth, mapping
from .envelope import answer_bad_request, answer_busy, answer_too_large, answer_unauthorized
from .mapping import Endpoint

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
TAG = "OneWarehouse webhooks"

SIGNING = f"""
**Signing.** Each request carries `{auth.HEADER_APP_KEY}`, `{auth.HEADER_TIMESTAMP}` (Unix seconds) and
`{auth.HEADER_SIGN}` as headers, or the query parameters `{auth.QUERY_APP_KEY}`, `{auth.QUERY_TIMESTAMP}`,
`{auth.QUERY_SIGN}`. With the push key pair of the environment (sandbox or production), by the warehouse's
recipe (`ONEWAREHOUSE_SIGNATURE_MODE`, by default its wire profile's):

- `md5` (the contract's): `UPPER(HEX(MD5(secret + "app_key" + app_key + "timestamp" + timestamp + raw_body + secret)))`
- `hmac-sha256`: `HEX(HMAC_SHA256(secret, timestamp + "." + raw_body))`
- `v20210901-hmac` (the field's): headers `appkey`, `timestamp` (Unix milliseconds), `sign` =
  `lowercase HEX(HMAC_SHA256(secret, raw_body + timestamp))`
- `none`: not checked (an IP allow-list should then be set).

The timestamp (seconds or milliseconds) must be within 300 s of the warehouse clock; an IP allow-list may apply
in every mode.
A refused request answers HTTP 401, code 4001. Every answer is the JSON envelope
`{{"code", "success", "msg", "data"}}` (plus `errors`, keyed by field path, when fields are invalid):
0 success, 1000 bad request, 1001 validation_error, 1002 unknown_sku, 1003 not_found, 1004 conflict,
1005 invalid_state, 1006 cancel_refused, 4001 unauthorized, 4013 too large, 5000 internal error,
5003 busy (temporary: retry later).
A repeated delivery answers as the first one did.
"""

SIGNATURE_PARAMETERS = [
    OpenApiParameter(auth.HEADER_APP_KEY, OpenApiTypes.STR, OpenApiParameter.HEADER,
                     description="The push app key (or query `app_key`)."),
    OpenApiParameter(auth.HEADER_TIMESTAMP, OpenApiTypes.STR, OpenApiParameter.HEADER,
                     description="Unix seconds (or query `timestamp`)."),
    OpenApiParameter(auth.HEADER_SIGN, OpenApiTypes.STR, OpenApiParameter.HEADER,
                     description="The signature (or query `sign`); not needed in mode `none`."),
    OpenApiParameter(auth.QUERY_APP_KEY, OpenApiTypes.STR, OpenApiParameter.QUERY,
                     description="Instead of the header."),
    OpenApiParameter(auth.QUERY_TIMESTAMP, OpenApiTypes.STR, OpenApiParameter.QUERY,
                     description="Instead of the header."),
    OpenApiParameter(auth.QUERY_SIGN, OpenApiTypes.STR, OpenApiParameter.QUERY,
                     description="Instead of the header."),
]


def example_load(name: str) -> dict:
    return json.loads((EXAMPLES_DIR / f"{name}.json").read_text())


def _request_example(name: str, value: dict, summary: str) -> OpenApiExample:
    return OpenApiExample(name, value=value, summary=summary, request_only=True)


def _answer_example(name: str, value: dict, status: int = 200) -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[str(status)])


def _failure(name: str, body: dict, status: int) -> OpenApiResponse:
    return OpenApiResponse(mapping.FailureEnvelopeSchema, examples=[_answer_example(name, body, status)])


def _operation(*, endpoint: str, summary: str, description: str, request, data, examples: list[OpenApiExample]):
    component = "".join(part.capitalize() for part in endpoint.split("_"))
    success = mapping.envelope_schema(f"{component}Success", data)
    answer = PolymorphicProxySerializer(component_name=f"{component}Answer",
                                        serializers=[success, mapping.FailureEnvelopeSchema],
                                        resource_type_field_name=None)
    return extend_schema(
        operation_id=f"onewarehouse_{endpoint}", summary=summary, description=description + "\n" + SIGNING,
        tags=[TAG], request=request, parameters=SIGNATURE_PARAMETERS, examples=examples,
        responses={
            200: answer,
            400: _failure("Not a JSON object", answer_bad_request("Body must be a JSON object").body, 400),
            401: _failure("Refused", answer_unauthorized("Signature does not match").body, 401),
            413: _failure("Too large", answer_too_large(limit=1048576).body, 413),
            500: OpenApiResponse(mapping.FailureEnvelopeSchema, description="A bug; the request is kept for replay."),
            503: _failure("Busy", answer_busy().body, 503),
        },
    )


def _validation_example() -> OpenApiExample:
    return _answer_example("Invalid fields (1001)", example_load("response_validation_error"))


def product_sync_schema():
    product = example_load("product_sync")
    return _operation(
        endpoint=Endpoint.PRODUCT_SYNC, summary="Product sync (upsert by sku_id)",
        description=f"One product, or a batch `{{\"{mapping.PRODUCT_BATCH_KEY}\": [...]}}` of at most "
                    f"{mapping.PRODUCT_BATCH_MAX}; the answer's `data` is then a list. A field left out is "
                    f"left unchanged; null or \"\" clears it.",
        request=PolymorphicProxySerializer(component_name="ProductSyncRequest",
                                           serializers=[mapping.ProductPayload, mapping.ProductBatchPayload],
                                           resource_type_field_name=None),
        data=mapping.ProductSyncResult(),
        examples=[
            _request_example("One product", product, "product_sync.json"),
            _request_example("Batch", {mapping.PRODUCT_BATCH_KEY: [product]}, "At most 500 products"),
            _answer_example("Created", mapping.envelope_ok({"sku_id": product["sku_id"], "created": True})),
            _validation_example(),
        ],
    )


def inbound_order_schema(endpoint: str, payload_class, example: str, summary: str):
    order = example_load(example)
    return _operation(
        endpoint=endpoint, summary=summary,
        description="Creates the inbound order, or updates it while it is CREATED (nothing counted yet); "
                    "afterwards an update answers 1005 invalid_state. An unknown sku_id answers 1002.",
        request=payload_class, data=mapping.InboundOrderResult(),
        examples=[
            _request_example(example, order, f"{example}.json"),
            _answer_example("Created", mapping.envelope_ok(
                {"inbound_order_no": order["inbound_order_no"], "status": "CREATED", "created": True})),
            _validation_example(),
        ],
    )


def inbound_cancel_schema():
    body = example_load("inbound_cancel")
    return _operation(
        endpoint=Endpoint.INBOUND_CANCEL, summary="Inbound order cancellation",
        description="Allowed while the order is CREATED; refused (1006, with status and reason) once receiving "
                    "has started; 1003 for an unknown order. Cancelling twice answers the same.",
        request=mapping.InboundCancelPayload, data=mapping.InboundCancelResult(),
        examples=[
            _request_example("inbound_cancel", body, "inbound_cancel.json"),
            _answer_example("Cancelled", mapping.envelope_ok({**body, "cancelled": True, "status": "CANCELLED"})),
        ],
    )


def outbound_create_schema():
    return _operation(
        endpoint=Endpoint.OUTBOUND_CREATE, summary="Outbound order creation",
        description="Creates the order and reserves stock at once (ALLOCATED), else BACKORDERED. The same number "
                    "with other content answers 1004 conflict.",
        request=mapping.OutboundOrderPayload, data=mapping.OutboundOrderResult(),
        examples=[
            _request_example("outbound_create", example_load("outbound_create"), "outbound_create.json"),
            _answer_example("Allocated", example_load("response_ok")),
            _validation_example(),
        ],
    )


def outbound_cancel_schema():
    body = example_load("outbound_cancel")
    return _operation(
        endpoint=Endpoint.OUTBOUND_CANCEL, summary="Outbound order cancellation (interception)",
        description="Succeeds until the order is SHIPPED and releases its reservations; refused after (1006).",
        request=mapping.OutboundCancelPayload, data=mapping.OutboundCancelResult(),
        examples=[
            _request_example("outbound_cancel", body, "outbound_cancel.json"),
            _answer_example("Intercepted", mapping.envelope_ok({**body, "intercepted": True, "status": "CANCELLED"})),
            _answer_example("Refused (1006)", example_load("response_cancel_refused")),
        ],
    )


