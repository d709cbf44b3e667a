"""JSON types are kept: a text field takes only a JSON string, a whole-number field only a JSON
integer. The fields are found by walking the payload serializers each URL uses, so a new field is covered
without touching this file."""

import copy
import json

import pytest
from rest_framework import serializers

from integrations.onewarehouse import mapping
from integrations.onewarehouse.profiles import PROFILES
from integrations.onewarehouse.serializers import StrictCharField, StrictChoiceField, StrictIntegerField
from tests.integrations.onewarehouse.helpers import E, exchange_last, field_fixture_load, fixture_load
from wms.catalog.models import Product
from wms.inbound.models import InboundOrder
from wms.outbound.models import OutboundOrder

pytestmark = pytest.mark.django_db

# A valid example of each payload the six URLs take in each profile (the contract's product URL takes one product
# or a batch).
EXAMPLES = [
    ("contract", E.PRODUCT_SYNC, fixture_load("product_sync")),
    ("contract", E.PRODUCT_SYNC, {mapping.PRODUCT_BATCH_KEY: [fixture_load("product_sync")]}),
    *(("contract", endpoint, fixture_load(endpoint)) for endpoint in E if endpoint != E.PRODUCT_SYNC),
    *(("v20210901", endpoint, field_fixture_load(endpoint)) for endpoint in E),
]
NOT_STRINGS = [10**30, 1, 1.5, True, ["a"], {"a": "b"}]
NOT_INTEGERS = ["3", "3.0", " 4 ", 2.0, 3.5, True, "x", [3], {"n": 3}]


def _payload_serializer(profile: str, endpoint: str, example: dict) -> serializers.Serializer:
    return PROFILES[profile].receiving[endpoint].payload(example)()


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
    for profile, endpoint, example in EXAMPLES:
        for path, field in _leaf_fields(_payload_serializer(profile, endpoint, example)):
            if isinstance(field, (serializers.CharField, serializers.ChoiceField)):
                yield profile, endpoint, example, path, NOT_STRINGS
            elif isinstance(field, serializers.IntegerField):
                yield profile, endpoint, example, path, NOT_INTEGERS


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
    loose = [(profile, endpoint, path, type(field).__name__) for profile, endpoint, example in EXAMPLES
             for path, field in _leaf_fields(_payload_serializer(profile, endpoint, example))
             if (isinstance(field, serializers.CharField) and not isinstance(field, StrictCharField))
             or (isinstance(field, serializers.ChoiceField) and not isinstance(field, StrictChoiceField))
             or (isinstance(field, serializers.IntegerField) and not isinstance(field, StrictIntegerField))]
    assert not loose
    assert {path for _, _, _, path, _ in TYPED} >= {
        "sku_id", "items.0.sku_id", "items.0.quantity", "products.0.sku_id", "recipient.city",
        "logistics.provider_code", "details.0.qty", "consigneer.consignee_city", "logistics.express_id"}


@pytest.mark.parametrize("endpoint, example, path, wrong_values", [
    pytest.param(*row, marks=pytest.mark.onewarehouse_profile(profile),
                 id=f"{profile}-{row[0]}-{'batch-' if mapping.PRODUCT_BATCH_KEY in row[1] else ''}{row[2]}")
    for profile, *row in TYPED])
def test_a_value_of_the_wrong_json_type_is_refused_1001_naming_the_field(push, catalogue, endpoint, example, path,
                                                                        wrong_values):
    for value in wrong_values:
        answer = push(endpoint, _with(example, path, value)).json()
        assert exchange_last().business_code == 1001, (path, value, answer)
        assert path in answer["errors"], (path, value, answer["errors"])
    assert not OutboundOrder.objects.exists() and not InboundOrder.objects.exists()
    assert set(Product.objects.values_list("sku_id", flat=True)) == {"OW-100234", "OW-100235"}


def test_a_big_number_for_a_sku_id_is_not_turned_into_text(push, catalogue):
    answer = push(E.PRODUCT_SYNC, raw=json.dumps({**fixture_load("product_sync"), "sku_id": 10**30}).encode()).json()
    assert answer["errors"] == {"sku_id": ["Not a valid string."]}
    assert not Product.objects.filter(sku_id=str(10**30)).exists()
