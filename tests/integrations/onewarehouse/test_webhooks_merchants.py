"""A warehouse keeps the goods of many merchants: an order of one merchant may only name that merchant's products,
and a product with stock or orders cannot move to another merchant. Driven through the real URLs."""

import pytest

from tests.factories import OwnerFactory, ProductFactory
from tests.integrations.onewarehouse.helpers import E, exchange_last, fixture_bytes, fixture_load
from wms.catalog.models import Owner, Product
from wms.inbound.models import InboundOrder
from wms.inventory.models import StockLevel, StockMove
from wms.outbound.models import OutboundOrder

pytestmark = pytest.mark.django_db

ORDER_PUSHES = [
    # (fixture, endpoint, the order model and its number field)
    ("outbound_create", E.OUTBOUND_CREATE, OutboundOrder, "outbound_order_no"),
    ("inbound_purchase", E.INBOUND_PURCHASE, InboundOrder, "inbound_order_no"),
    ("inbound_return", E.INBOUND_RETURN, InboundOrder, "inbound_order_no"),
]


def foreign(sku_id: str, owner_code: str) -> list[str]:
    return [f"sku_id {sku_id} is not a product of merchant {owner_code}."]


@pytest.fixture
def merchant_zzz_product(stocked):
    """A second merchant with a product of its own, in stock beside MERCHANT-A's."""
    return stocked(10, ProductFactory(sku_id="ZZZ-1", owner=OwnerFactory(owner_code="MERCHANT-ZZZ", name="ZZZ")))


def stock_snapshot():
    return sorted(StockLevel.objects.values_list("product__sku_id", "on_hand", "reserved")), StockMove.objects.count()


@pytest.mark.parametrize("name, endpoint, model, number", ORDER_PUSHES, ids=[p[0] for p in ORDER_PUSHES])
def test_an_order_line_of_another_merchants_product_is_refused_1001_naming_the_line(
        push, stocked_catalogue, merchant_zzz_product, name, endpoint, model, number):
    payload = fixture_load(name)
    payload["owner_code"] = "MERCHANT-ZZZ"
    payload["items"] = [{"sku_id": "ZZZ-1", "quantity": 1}, {"sku_id": "OW-100234", "quantity": 1}]
    before = stock_snapshot()
    answer = push(endpoint, payload).json()
    assert answer == {"code": 1001, "success": False, "msg": "1 field is invalid", "data": {},
                      "errors": {"items.1.sku_id": foreign("OW-100234", "MERCHANT-ZZZ")}}
    assert not model.objects.exists()
    assert stock_snapshot() == before
    assert exchange_last().business_code == 1001


@pytest.mark.parametrize("name, endpoint, model, number", ORDER_PUSHES, ids=[p[0] for p in ORDER_PUSHES])
def test_a_new_merchant_ordering_another_merchants_products_is_refused_and_not_created(
        push, stocked_catalogue, name, endpoint, model, number):
    payload = fixture_load(name)
    payload["owner_code"] = "MERCHANT-NEW"
    answer = push(endpoint, payload).json()
    lines = {f"items.{i}.sku_id": foreign(item["sku_id"], "MERCHANT-NEW") for i, item in enumerate(payload["items"])}
    assert (answer["code"], answer["errors"]) == (1001, lines)
    assert not model.objects.exists()
    assert not Owner.objects.filter(owner_code="MERCHANT-NEW").exists()
    assert not StockMove.objects.exclude(kind=StockMove.Kind.RECEIPT).exists()


def test_foreign_lines_are_named_before_unknown_ones(push, catalogue, merchant_zzz_product):
    payload = fixture_load("outbound_create")
    payload["owner_code"] = "MERCHANT-ZZZ"
    payload["items"] = [{"sku_id": "NOPE", "quantity": 1}, {"sku_id": "ZZZ-1", "quantity": 1},
                        {"sku_id": "OW-100235", "quantity": 1}]
    answer = push(E.OUTBOUND_CREATE, payload).json()
    assert (answer["code"], answer["errors"]) == (1001, {"items.2.sku_id": foreign("OW-100235", "MERCHANT-ZZZ")})


@pytest.mark.parametrize("name, endpoint", [("inbound_purchase", E.INBOUND_PURCHASE),
                                            ("inbound_return", E.INBOUND_RETURN)])
def test_an_inbound_update_with_another_merchants_product_is_refused_and_keeps_the_order(
        push, catalogue, merchant_zzz_product, name, endpoint):
    assert push(endpoint, raw=fixture_bytes(name)).json()["code"] == 0
    order = InboundOrder.objects.get()
    kept = list(order.lines.values_list("product__sku_id", "expected_qty"))

    changed = fixture_load(name)
    changed["items"] = [*changed["items"], {"sku_id": "ZZZ-1", "quantity": 3}]
    answer = push(endpoint, changed).json()
    index = len(changed["items"]) - 1
    assert (answer["code"], answer["errors"]) == (1001, {f"items.{index}.sku_id": foreign("ZZZ-1", "MERCHANT-A")})

    moved = fixture_load(name)
    moved["owner_code"] = "MERCHANT-ZZZ"  # the same lines, now said to be another merchant's order
    answer = push(endpoint, moved).json()
    assert (answer["code"], answer["errors"]) == (1001, {
        f"items.{i}.sku_id": foreign(item["sku_id"], "MERCHANT-ZZZ") for i, item in enumerate(moved["items"])})

    order.refresh_from_db()
    assert order.owner.owner_code == "MERCHANT-A"
    assert list(order.lines.values_list("product__sku_id", "expected_qty")) == kept


def test_an_order_of_the_products_own_merchant_is_accepted_beside_another_merchants_stock(
        push, stocked_catalogue, merchant_zzz_product):
    payload = fixture_load("outbound_create")
    payload.update(outbound_order_no="OB-ZZZ-1", owner_code="MERCHANT-ZZZ",
                   items=[{"sku_id": "ZZZ-1", "quantity": 4}])
    answer = push(E.OUTBOUND_CREATE, payload).json()
    assert (answer["code"], answer["data"]["status"]) == (0, "ALLOCATED")
    assert dict(StockLevel.objects.values_list("product__sku_id", "reserved")) == {
        "OW-100234": 0, "OW-100235": 0, "ZZZ-1": 4}


# --- A product's merchant --------------------------------------------------------------------------------

def test_a_product_sync_moving_a_stocked_product_to_another_merchant_is_conflict_1004(push, stocked_catalogue):
    payload = fixture_load("product_sync")
    payload["owner_code"] = "MERCHANT-ZZZ"
    answer = push(E.PRODUCT_SYNC, payload).json()
    why = ("sku_id OW-100234 belongs to another merchant and has stock or orders; "
           "it cannot become merchant MERCHANT-ZZZ's.")
    assert answer == {"code": 1004, "success": False, "msg": why, "errors": {"owner_code": [why]},
                      "data": {"sku_id": "OW-100234"}}
    product = Product.objects.select_related("owner").get(sku_id="OW-100234")
    assert (product.owner.owner_code, product.name) == ("MERCHANT-A", stocked_catalogue[0].name)
    assert not Owner.objects.filter(owner_code="MERCHANT-ZZZ").exists()


def test_a_product_on_an_order_but_without_stock_keeps_its_merchant(push, catalogue):
    assert push(E.INBOUND_PURCHASE, raw=fixture_bytes("inbound_purchase")).json()["code"] == 0
    payload = fixture_load("product_sync")
    payload["owner_code"] = "MERCHANT-ZZZ"
    assert push(E.PRODUCT_SYNC, payload).json()["code"] == 1004
    assert Product.objects.get(sku_id="OW-100234").owner.owner_code == "MERCHANT-A"


def test_a_product_batch_moving_a_used_product_names_it_by_its_place_and_writes_nothing(push, stocked_catalogue):
    product = fixture_load("product_sync")
    batch = {"products": [{**product, "sku_id": "OW-NEW", "product_name": "new"},
                          {**product, "sku_id": "OW-100235", "owner_code": "MERCHANT-ZZZ"}]}
    answer = push(E.PRODUCT_SYNC, batch).json()
    assert answer["code"] == 1004 and list(answer["errors"]) == ["products.1.owner_code"]
    assert not Product.objects.filter(sku_id="OW-NEW").exists()
    assert Product.objects.get(sku_id="OW-100235").owner.owner_code == "MERCHANT-A"


def test_an_unused_product_may_still_move_to_another_merchant(push, warehouse):
    assert push(E.PRODUCT_SYNC, raw=fixture_bytes("product_sync")).json()["code"] == 0
    payload = fixture_load("product_sync")
    payload["owner_code"] = "MERCHANT-ZZZ"  # a wrong first sync, corrected before anything happened
    answer = push(E.PRODUCT_SYNC, payload).json()
    assert answer["data"] == {"sku_id": "OW-100234", "created": False}
    assert Product.objects.get(sku_id="OW-100234").owner.owner_code == "MERCHANT-ZZZ"
