"""The data migration that introduced locations puts each warehouse's stock into its default locations."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.wms.inventory.migrating import others_before

BEFORE = [("inventory", "0003_stock_move_actor")]
AFTER = [("inventory", "0005_locations_default_fill")]


@pytest.mark.django_db(transaction=True)
def test_todays_stock_lands_in_the_default_bin_and_quarantine_with_opening_moves():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    others = others_before(executor.loader.graph, BEFORE[0])
    old = executor.loader.project_state([*others, *BEFORE]).apps
    owner = old.get_model("catalog", "Owner").objects.create(owner_code="M")
    product = old.get_model("catalog", "Product").objects.create(sku_id="S", owner=owner)
    empty = old.get_model("catalog", "Product").objects.create(sku_id="E", owner=owner)
    warehouse = old.get_model("inventory", "Warehouse").objects.create(code="W", name="W")
    bare = old.get_model("inventory", "Warehouse").objects.create(code="W2", name="W2")
    StockMove = old.get_model("inventory", "StockMove")
    StockLevel = old.get_model("inventory", "StockLevel")
    for kind, quantity in (("RECEIPT", 7), ("RECEIPT_DAMAGED", 2), ("ALLOCATE", 3)):
        StockMove.objects.create(product=product, warehouse=warehouse, kind=kind, quantity=quantity, actor="t")
    StockLevel.objects.create(product=product, warehouse=warehouse, on_hand=7, reserved=3, damaged=2)
    StockLevel.objects.create(product=empty, warehouse=warehouse)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Location = new.get_model("inventory", "Location")
    for wh in (warehouse, bare):
        assert dict(Location.objects.filter(warehouse_id=wh.pk).values_list("code", "kind")) == {
            "DOCK": "RECEIVING", "A-DEFAULT": "STORAGE", "PACK": "PACKING", "QUARANTINE": "QUARANTINE"}
    stocks = new.get_model("inventory", "LocationStock").objects.filter(location__warehouse_id=warehouse.pk)
    assert sorted(stocks.values_list("product_id", "location__code", "quantity")) == [
        (product.pk, "A-DEFAULT", 7), (product.pk, "QUARANTINE", 2)]
    openings = new.get_model("inventory", "StockMove").objects.filter(kind="OPENING")
    assert sorted(openings.values_list("to_location__code", "quantity")) == [("A-DEFAULT", 7), ("QUARANTINE", 2)]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    # The ledger, the levels and the locations agree after it (OPENING moves move no bucket).
    call_command("stock_verify")
