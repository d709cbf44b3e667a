"""Fault: the database refuses one write in the middle of an outbound-create push; nothing is half-written.

The business transaction rolls back as a whole; the answer is the contract's 5000 envelope (so OneWarehouse
retries); the request log row, written before in its own transaction, is kept with the error for replay."""

import pytest
from django.db.utils import OperationalError

from tests.integrations.onewarehouse.helpers import E, exchange_last, fixture_bytes
from wms.inventory.models import StockMove
from wms.outbound import services as outbound_services
from wms.outbound.models import OutboundOrder, OutboundOrderLine
from wms.outbox.models import OutboxMessage

pytestmark = [pytest.mark.django_db, pytest.mark.faults]


def _refuse(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.parametrize("write", ["order lines", "stock reservation"])
def test_a_refused_write_mid_request_answers_5000_writes_nothing_and_keeps_the_log_with_the_error(
        push, stocked_catalogue, monkeypatch, write):
    if write == "order lines":  # the order's and its lines' INSERT (one statement on PostgreSQL, two elsewhere)
        monkeypatch.setattr(outbound_services, "rows_insert_linked", _refuse)
    else:
        monkeypatch.setattr(outbound_services, "stock_reserve", _refuse)

    response = push(E.OUTBOUND_CREATE, raw=fixture_bytes("outbound_create"))

    assert response.status_code == 500
    body = response.json()
    assert body["code"] == 5000 and body["success"] is False and body["data"] == {}
    assert not OutboundOrder.objects.exists() and not OutboundOrderLine.objects.exists()
    assert not StockMove.objects.filter(kind=StockMove.Kind.ALLOCATE).exists()
    assert not OutboxMessage.objects.exists()
    logged = exchange_last()
    assert (logged.status_code, logged.business_code, logged.order_no) == (500, 5000, "OB202611230042")
    assert "OperationalError: server closed the connection unexpectedly" in logged.error
    assert logged.request_body == fixture_bytes("outbound_create").decode()
