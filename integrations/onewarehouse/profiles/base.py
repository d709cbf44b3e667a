"""What a wire profile is: one table per dialect of OneWarehouse's API, read at request time.

A profile says, for each of the six receiving URLs, which serializer validates the payload, which handler in
``handlers.py`` calls the domain, which serializer renders the answer's data, and what the OpenAPI document shows;
for each call we make, its path and body; and how either side's envelope looks. The URLs themselves are the same
six paths in every profile (``mapping.INCOMING_PATHS``), so OneWarehouse's configuration never changes with it.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rest_framework import serializers

REPO_ROOT = Path(__file__).resolve().parents[3]
CONTRACTS_DIR = REPO_ROOT / "docs" / "contracts" / "onewarehouse"


def example_load(docs_dir: Path, name: str) -> dict:
    """An example of a profile: ``docs/contracts/onewarehouse/<profile>/examples/<name>.json`` (the one copy, read
    by the OpenAPI document and the tests alike)."""
    return json.loads((docs_dir / "examples" / f"{name}.json").read_text())


@dataclass(frozen=True)
class Example:
    """An example shown in the OpenAPI document: a file of the profile's ``examples/`` (``file``) or a value built
    from one. ``request`` examples are payloads; the others are answers with their HTTP status."""

    name: str
    value: object
    request: bool = False
    status: int = 200


@dataclass(frozen=True)
class Receiving:
    """One receiving URL in one profile."""

    endpoint: str  # mapping.Endpoint: the URL and the request log's endpoint name
    payload: Callable[[dict], type[serializers.Serializer]]  # the serializer for this payload (a batch or one)
    act: Callable[[dict], object]  # validated data -> result ({"order"/"product", ...}, or a list of them)
    result: type[serializers.Serializer]  # renders one result as the answer's data
    order_no_field: str  # the payload's order number (request log correlation); "" when it has none
    summary: str
    description: str
    examples: tuple[Example, ...] = ()
    # When the URL takes more than one shape: (OpenAPI component name, the serializers ``payload`` picks from).
    request_schema: tuple[str, tuple[type[serializers.Serializer], ...]] | None = None

    def data(self, result) -> object:
        if isinstance(result, list):
            return [self.result(item).data for item in result]
        return self.result(result).data

    def payload_classes(self) -> tuple[type[serializers.Serializer], ...]:
        """Every serializer the URL may pick (one product or a batch)."""
        return tuple(self.request_schema[1]) if self.request_schema else (self.payload({}),)

    def answer_key(self, source: str) -> str:
        """The answer's name for a result fact (``order.inbound_order_no`` -> ``inbound_short_id``)."""
        return next(name for name, item in self.result().fields.items() if item.source == source)


@dataclass(frozen=True)
class Envelope:
    """How every answer to a push looks: ``ok(data)`` and ``failure(code=..., msg=..., errors=..., data=...)``
    where ``code`` is our business code (``mapping.CODE_*`` and ``mapping.DOMAIN_ERROR_CODES``, also the request
    log's); ``success_schema(name, data)`` and ``failure_schema`` describe them in the OpenAPI document."""

    ok: Callable[[object], dict]
    failure: Callable[..., dict]
    success_schema: Callable[[str, serializers.Field], type[serializers.Serializer]]
    failure_schema: type[serializers.Serializer]
    codes_text: str  # one paragraph for the OpenAPI document
    business_code: Callable[[object], int | None]  # an answer read back: our code, None if it is no envelope


@dataclass(frozen=True)
class CallContext:
    """What a call's path and body may use besides the queued payload."""

    warehouse_code: str
    outbox_message_id: object = None


@dataclass(frozen=True)
class Outgoing:
    """A call from the WMS to OneWarehouse: POST ``{base_url}`` + ``path`` (``{warehouse_code}`` filled in)."""

    endpoint: str  # the request log's name: inbound_callback, shipping_label, outbound_callback
    path: str
    body: Callable[[dict, CallContext], dict]  # the queued payload (our names) -> the request body
    order_no_field: str  # the body's order number, for the request log
    request: type[serializers.Serializer]  # how OneWarehouse validates the body (the simulator plays it)

    def url_path(self, context: CallContext) -> str:
        return self.path.format(warehouse_code=context.warehouse_code)

    @property
    def route(self) -> str:
        """The path as a Django route (``{warehouse_code}`` -> ``<str:warehouse_code>``), without the leading /."""
        return self.path.lstrip("/").replace("{warehouse_code}", "<str:warehouse_code>")


@dataclass(frozen=True)
class PeerAnswer:
    """OneWarehouse's answer to our calls: ``{code_field: ok_code, data_field: {...}}`` on success."""

    code_field: str
    ok_code: object
    msg_field: str
    data_field: str
    errors_field: str
    answer: Callable[..., dict]  # (code=our business code, msg, data, errors) -> the answer OneWarehouse sends
    permanent_codes: frozenset = frozenset()  # "the request itself is wrong": dead at once, not retried
    logged_code: Callable[[object], int | None] = lambda code: code if isinstance(code, int) else None

    def code_valid(self, code) -> bool:
        return isinstance(code, type(self.ok_code)) and not isinstance(code, bool)


@dataclass(frozen=True)
class LabelAnswer:
    tracking_no: str
    label_format: str
    label_url: str
    label_base64: str


LABEL_FORMAT_DEFAULT = "PDF"  # when the answer declares none (the file's own bytes decide what it is)


@dataclass(frozen=True)
class LabelFields:
    """The names of the label answer's data: tracking number, URL or base64 file, declared format."""

    tracking_no: str
    label_url: str
    label_base64: str
    label_format: str

    def parse(self, data) -> LabelAnswer:
        """The ``data`` of a label answer; raises ``ValueError`` if it holds no label."""
        if not isinstance(data, dict):
            raise ValueError("the label answer has no data object")
        answer = LabelAnswer(
            tracking_no=str(data.get(self.tracking_no) or ""),
            label_format=str(data.get(self.label_format) or LABEL_FORMAT_DEFAULT).upper(),
            label_url=str(data.get(self.label_url) or ""),
            label_base64=str(data.get(self.label_base64) or ""),
        )
        if not (answer.label_url or answer.label_base64):
            raise ValueError(f"the label answer has neither {self.label_url} nor {self.label_base64}")
        return answer


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    signature_recipe: str  # auth's recipe name: the default of ONEWAREHOUSE_SIGNATURE_MODE under this profile
    unknown_sku: str  # handlers' policy for an order naming an unknown sku_id: the default of ONEWAREHOUSE_UNKNOWN_SKU
    receiving: dict[str, Receiving]
    envelope: Envelope
    outgoing: dict[str, Outgoing]  # keyed by Outgoing.endpoint
    peer_answer: PeerAnswer
    label_fields: LabelFields
    docs_dir: Path  # docs/contracts/onewarehouse/<name>/: the page and its examples/
    signing_text: str  # how pushes are signed, for the OpenAPI document
    signature_headers: tuple[tuple[str, str], ...]  # (header, description) for the OpenAPI document
    signature_query: tuple[tuple[str, str], ...] = ()

    def example(self, name: str) -> dict:
        return example_load(self.docs_dir, name)

    def known_fields(self, endpoint: str) -> set[str]:
        """Every field path (``details.sku_id``) the serializers of an endpoint read; lists are ``[]``-free."""
        paths: set[str] = set()
        for serializer_class in self.receiving[endpoint].payload_classes():
            paths |= serializer_fields(serializer_class())
        return paths

    def optional_fields(self, endpoint: str) -> set[str]:
        paths: set[str] = set()
        for serializer_class in self.receiving[endpoint].payload_classes():
            paths |= serializer_fields(serializer_class(), optional_only=True)
        return paths


def serializer_fields(serializer: serializers.Serializer, prefix: str = "", *, optional_only: bool = False,
                      parent_optional: bool = False) -> set[str]:
    """The field paths a serializer reads: ``recipient.city``; a list of objects contributes ``items.sku_id``."""
    paths = set()
    for name, item in serializer.fields.items():
        if item.read_only:
            continue
        path = f"{prefix}{name}"
        optional = parent_optional or not item.required
        child = item.child if isinstance(item, serializers.ListSerializer) else item
        if isinstance(child, serializers.Serializer):
            if not optional_only or optional:
                paths.add(path)
            paths |= serializer_fields(child, f"{path}.", optional_only=optional_only, parent_optional=optional)
        elif not optional_only or optional:
            paths.add(path)
    return paths


def payload_render(serializer_class: type[serializers.Serializer], data: dict) -> dict:
    """The wire payload of domain-named ``data`` (the services' keyword arguments): each field of the payload
    serializer takes the value at its source, objects and lists of objects likewise; a source absent from
    ``data`` leaves its field out. Validation's inverse, for the simulator that plays OneWarehouse."""
    return _render(serializer_class(), data)


def _render(serializer: serializers.Serializer, data: dict) -> dict:
    out = {}
    for name, item in serializer.fields.items():
        if item.source not in data:
            continue
        value = data[item.source]
        if isinstance(item, serializers.ListSerializer) and isinstance(item.child, serializers.Serializer) \
                and isinstance(value, list):
            value = [_render(item.child, entry) if isinstance(entry, dict) else entry for entry in value]
        elif isinstance(item, serializers.Serializer) and isinstance(value, dict):
            value = _render(item, value)
        out[name] = value
    return out
