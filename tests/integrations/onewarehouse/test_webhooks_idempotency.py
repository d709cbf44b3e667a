"""A repeated delivery is recognised by its content, not by the order of its lines: the same
order with its lines (or a batch with its products) in another order answers as the first time and changes
nothing, on every URL that compares a delivery with the stored one."""

import copy
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

from tests.factories import UserFactory
from tests.integrations.onewarehouse.helpers import E, fixture_load
from wms.catalog.models import Product
from wms.core.hashing import content_fingerprint_matches
from wms.core.roles import Role
from wms.inbound.models import InboundOrder
from wms.inbound.services import LineCount, inbound_order_record_counts
from wms.inventory.models import StockMove
from wms.outbound.models import OutboundOrder

pytestmark = pytest.mark.django_db

TWO_LINES = [{"sku_id": "OW-100234", "quantity": 2}, {"sku_id": "OW-100235", "quantity": 1}]


def _example(name: str) -> dict:
    payload = fixture_load(name)
    if name == "inbound_return":
        payload["items"] = copy.deepcopy(TWO_LINES)
    return payload


def _reversed_lines(payload: dict) -> dict:
    key = "products" if "products" in payload else "items"
    return {**payload, key: list(reversed(payload[key]))}


def _receiving_started():
    """The inbound order may no longer change: a different content now answers invalid_state, not an update."""
    for order in InboundOrder.objects.all():
        inbound_order_record_counts(order=order, counts=[LineCount(order.lines.first().pk, 1)],
                                    actor=UserFactory(roles=[Role.RECEIVER]))


def _state():
    return ([list(Model.objects.order_by("pk").values_list("updated_at", flat=True))
             for Model in (Product, InboundOrder, OutboundOrder)], StockMove.objects.count())


@pytest.mark.parametrize("name, endpoint", [
    ("inbound_purchase", E.INBOUND_PURCHASE), ("inbound_return", E.INBOUND_RETURN),
    ("outbound_create", E.OUTBOUND_CREATE),
])
def test_an_order_resent_with_its_lines_in_another_order_answers_as_the_first_time(push, stocked_catalogue, name,
                                                                                  endpoint):
    payload = _example(name)
    first = push(endpoint, payload).json()
    assert first["code"] == 0, first
    _receiving_started()
    before = _state()
    again = push(endpoint, _reversed_lines(payload)).json()
    expected = {**first, "data": {**first["data"], "created": False}}
    if endpoint != E.OUTBOUND_CREATE:
        expected["data"]["status"] = InboundOrder.Status.RECEIVING
    assert again == expected
    assert _state() == before


def test_an_inbound_arrival_time_written_with_another_offset_is_the_same_content(push, catalogue):
    payload = fixture_load("inbound_purchase")  # 2026-11-25T10:00:00+08:00
    push(E.INBOUND_PURCHASE, payload)
    _receiving_started()
    again = push(E.INBOUND_PURCHASE, {**payload, "expected_arrival_time": "2026-11-25T02:00:00Z"}).json()
    assert (again["code"], again["data"]["created"]) == (0, False)


def test_a_product_batch_resent_in_another_order_changes_nothing_and_answers_in_the_order_sent(push, catalogue):
    first_product = fixture_load("product_sync")
    batch = {"products": [first_product, {**first_product, "sku_id": "OW-100235", "product_name": "Other"}]}
    push(E.PRODUCT_SYNC, batch)
    before = _state()
    again = push(E.PRODUCT_SYNC, _reversed_lines(batch)).json()
    assert again["data"] == [{"sku_id": "OW-100235", "created": False}, {"sku_id": "OW-100234", "created": False}]
    assert _state() == before


def test_an_order_changed_in_content_is_still_a_conflict_whatever_the_order_of_its_lines(push, stocked_catalogue):
    payload = fixture_load("outbound_create")
    push(E.OUTBOUND_CREATE, payload)
    changed = _reversed_lines(payload)
    changed["items"] = [{**changed["items"][0], "quantity": 3}, changed["items"][1]]
    assert push(E.OUTBOUND_CREATE, changed).json()["code"] == 1004


def test_a_fingerprint_saved_before_lines_were_compared_by_content_still_matches_the_same_delivery():
    # Orders stored before this change hashed their lines as sent, and times with their own offset.
    import hashlib
    import json

    arrival = datetime(2026, 11, 25, 10, tzinfo=dt_timezone(timedelta(hours=8)))
    content = {"items": [{"sku_id": "B", "quantity": 1}, {"sku_id": "A", "quantity": 2}], "at": arrival}
    legacy = hashlib.sha256(json.dumps(content, sort_keys=True, default=str, separators=(",", ":")).encode()
                            ).hexdigest()
    assert content_fingerprint_matches(legacy, content, unordered=("items",))
    assert not content_fingerprint_matches(legacy, {**content, "at": arrival + timedelta(hours=1)},
                                           unordered=("items",))
