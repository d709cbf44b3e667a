"""Rows written before environments were recorded get the OneWarehouse environment active when the migrations
run; ONE's messages and log rows stay without one."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("outbox", "0001_initial"), ("apilog", "0002_request_body_base64")]
AFTER = [("outbox", "0002_outboxmessage_environment"), ("apilog", "0003_apiexchange_environment")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_rows_get_the_active_environment_and_one_rows_none(settings):
    settings.ONEWAREHOUSE_ENV = "production"
    old = migrate(BEFORE)
    message = old.get_model("outbox", "OutboxMessage")
    exchange = old.get_model("apilog", "ApiExchange")
    label = message.objects.create(kind="SHIPPING_LABEL", aggregate_type="outbound_order", aggregate_id="1")
    push = message.objects.create(kind="ONE_STOCK_PUSH", aggregate_type="one_sync_run", aggregate_id="1")
    ow_row = exchange.objects.create(direction="IN", integration="onewarehouse", endpoint="product_sync",
                                     method="POST", url="/x")
    one_row = exchange.objects.create(direction="OUT", integration="one", endpoint="stock_push", method="POST",
                                      url="/y")
    try:
        new = migrate(AFTER)
        message, exchange = new.get_model("outbox", "OutboxMessage"), new.get_model("apilog", "ApiExchange")
        assert message.objects.get(pk=label.pk).environment == "production"
        assert message.objects.get(pk=push.pk).environment == ""
        assert exchange.objects.get(pk=ow_row.pk).environment == "production"
        assert exchange.objects.get(pk=one_row.pk).environment == ""
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
