"""JSON types are kept: a text field takes only a JSON string, a whole-number field only a JSON
integer. The fields are found by walking the payload serializers each URL uses, so a new field is covered
without touching this file."""

import copy
import json

import pytest
from rest_framework import serializers

from integrations.onewarehouse import mapping, services
from integrations.onewarehouse.serializers import StrictCharField, StrictChoiceField, StrictIntegerField
from tests.integrations.onewarehouse.helpers import E, exchange_last, fixture_load
from wms.catalog.models import Product
from wms.inbound.models import InboundOrder
from wms.outbound.models import OutboundOrder

pytestmark = pytest.mark.django_db

# A valid example of each payload the six URLs take (the product URL takes one product or a batch).
EXAMPLES = [
    (E.PRODUCT_SYNC, fixture_load("product_sync")),
    (E.PRODUCT_SYNC, {mapping.PRODUCT_BATCH_KEY: [fixture_load("product_sync")]}),
    (E.INBOUND_PURCHASE, fixture_load("inbound_purchase")),
    (E.INBOUND_RETURN, fixture_load("inbound_return")),
    (E.INBOUND_CANCEL, fixture_load("inbound_cancel")),
    (E.OUTBOUND_CREATE, fixture_load("outbound_create")),
    (E.OUTBOUND_CANCEL, fixture_load("outbound_cancel")),
]
NOT_STRINGS = [10**30, 1, 1.5, True, ["a"], {"a": "b"}]
NOT_INTEGERS = ["3", "3.0", " 4 ", 2.0, 3.5, True, "x", [3], {"n": 3}]


def _payload_serializer(endpoint: str, example: dict) -> serializers.Serializer:
    return services.HANDLERS[endpoint].payload_class(example)()


def _leaf_fields(serializer: serializers.Serializer, prefix: str = ""):
    """(path, field) of every leaf field, a list of objects entered at its first item."""
    for name, field in serializer.fields.items():
        path = f"{prefix}{name}"
        if isinstance(field, serializers.ListSerializer):
            yield from _leaf_fields(field.child, f"{path}.0.")
        elif isinstance(field, serializers.Serializer):
            yield from _leaf_fields(field, f"{path}.")
        else:
            yield path, field


def _typed_paths():
    for endpoint, example in EXAMPLES:
        for path, field in _leaf_fields(_payload_serializer(endpoint, example)):
            if isinstance(field, (serializers.CharField, serializers.ChoiceField)):
                yield endpoint, example, path, NOT_STRINGS
            elif isinstance(field, serializers.IntegerField):
                yield endpoint, example, path, NOT_INTEGERS


TYPED = list(_typed_paths())


def _with(example: dict, path: str, value) -> dict:
    payload = copy.deepcopy(example)
    *parents, leaf = path.split(".")
    node = payload
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    node[leaf] = value
    return payload


def test_every_text_and_whole_number_field_of_the_payloads_is_strict():
    loose = [(endpoint, path, type(field).__name__) for endpoint, example in EXAMPLES
             for path, field in _leaf_fields(_payload_serializer(endpoint, example))
             if (isinstance(field, serializers.CharField) and not isinstance(field, StrictCharField))
             or (isinstance(field, serializers.ChoiceField) and not isinstance(field, StrictChoiceField))
             or (isinstance(field, serializers.IntegerField) and not isinstance(field, StrictIntegerField))]
    assert not loose
    assert {path for _, _, path, _ in TYPED} >= {"sku_id", "items.0.sku_id", "items.0.quantity",
                                                 "products.0.sku_id", "recipient.city", "logistics.provider_code"}


@pytest.mark.parametrize("endpoint, example, path, wrong_values", TYPED,
                         ids=[f"{e}-{'batch-' if mapping.PRODUCT_BATCH_KEY in x else ''}{p}" for e, x, p, _ in TYPED])
def test_a_value_of_the_wrong_json_type_is_refused_1001_naming_the_field(push, catalogue, endpoint, example, path,
                                                                        wrong_values):
    for value in wrong_values:
        answer = push(endpoint, _with(example, path, value)).json()
        assert answer["code"] == 1001, (path, value, answer)
        assert path in answer["errors"], (path, value, answer["errors"])
    assert exchange_last().business_code == 1001
    assert not OutboundOrder.objects.exists() and not InboundOrder.objects.exists()
    assert set(Product.objects.values_list("sku_id", flat=True)) == {"OW-100234", "OW-100235"}


def test_a_big_number_for_a_sku_id_is_not_turned_into_text(push, catalogue):
    answer = push(E.PRODUCT_SYNC, raw=json.dumps({**fixture_load("product_sync"), "sku_id": 10**30}).encode()).json()
    assert answer["errors"] == {"sku_id": ["Not a valid string."]}
    assert not Product.objects.filter(sku_id=str(10**30)).exists()
