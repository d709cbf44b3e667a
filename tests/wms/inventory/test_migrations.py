"""The migration that gave every stock move its actor names the moves written before it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.wms.inventory.migrating import others_before

BEFORE = [("inventory", "0002_stock_move_adjust_reason")]
AFTER = [("inventory", "0003_stock_move_actor")]


@pytest.mark.django_db(transaction=True)
def test_moves_written_before_the_actor_column_get_the_users_name_or_the_unnamed_system():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    # The other apps stay as they are (their latest state), inventory just before the actor column.
    others = others_before(executor.loader.graph, BEFORE[0])
    old = executor.loader.project_state([*others, *BEFORE]).apps
    user = old.get_model("auth", "User").objects.create(username="clerk")
    owner = old.get_model("catalog", "Owner").objects.create(owner_code="M")
    product = old.get_model("catalog", "Product").objects.create(sku_id="S", owner=owner)
    warehouse = old.get_model("inventory", "Warehouse").objects.create(code="W", name="W")
    StockMove = old.get_model("inventory", "StockMove")
    by_user = StockMove.objects.create(product=product, warehouse=warehouse, kind="RECEIPT", quantity=1, user=user)
    by_system = StockMove.objects.create(product=product, warehouse=warehouse, kind="RECEIPT", quantity=1)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("inventory", "StockMove")
    assert new.objects.get(pk=by_user.pk).actor == "clerk"
    assert new.objects.get(pk=by_system.pk).actor == "system:before-actors"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
