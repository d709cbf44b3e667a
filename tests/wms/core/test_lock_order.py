"""The domain's lock order (wms.core.db): every row lock names its own table only, with the lock an UPDATE takes,
so no lock ever lands on the warehouse (or product, owner) row an order, line or level points to."""

import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory
from tests.helpers import requires_postgres
from tests.integrations.onewarehouse.helpers import E, fixture_load
from tests.wms.outbound.helpers import pick_units
from wms.core.roles import Role
from wms.inbound.models import InboundOrder
from wms.inbound.services import LineCount, inbound_order_complete, inbound_order_record_counts
from wms.inventory.models import AdjustReason
from wms.inventory.services import stock_adjust
from wms.outbound.models import OutboundOrder, PutBackTask
from wms.outbound.services import put_back_confirm

ROOT = Path(__file__).resolve().parents[3]
LOCK = re.compile(r"\bFOR (NO KEY UPDATE|UPDATE|SHARE|KEY SHARE)\b(?: OF (.+?))?(?: NOWAIT| SKIP LOCKED)?$")


def _subqueries_dropped(sql: str) -> str:
    """The statement without its parenthesised parts: a scalar subquery's FROM (an order's intake reads the
    warehouse and merchant ids beside its locked products) is not the table the lock is taken on."""
    while True:
        shorter = re.sub(r"\([^()]*\)", "", sql)
        if shorter == sql:
            return sql
        sql = shorter


def test_every_row_lock_in_the_code_goes_through_the_one_helper():
    offenders = []
    for top in ("wms", "integrations"):
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" in path.parts or path == ROOT / "wms" / "core" / "db.py":
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if "select_for_update(" in line or "FOR UPDATE" in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_every_lock_of_a_create_cancel_receipt_reallocation_put_back_and_adjust_cycle_names_only_its_own_table(
        push, stocked_catalogue, warehouse):
    supervisor = UserFactory(roles=[Role.SUPERVISOR])
    create = fixture_load("outbound_create")
    with CaptureQueriesContext(connection) as captured:
        push(E.PRODUCT_SYNC, fixture_load("product_sync"))
        push(E.OUTBOUND_CREATE, {**create, "outbound_order_no": "OB-PICKED"})
        picked = OutboundOrder.objects.get(outbound_order_no="OB-PICKED")
        for line in picked.lines.select_related("product"):
            pick_units(picked, supervisor, line.product, 1)
        push(E.OUTBOUND_CANCEL, {"outbound_order_no": "OB-PICKED", "reason": "buyer cancelled"})
        put_back_confirm(task=PutBackTask.objects.order_by("pk").first(), actor=supervisor)
        big = [{**item, "quantity": 50} for item in create["items"]]
        push(E.OUTBOUND_CREATE, {**create, "outbound_order_no": "OB-BACK", "items": big})
        assert OutboundOrder.objects.get(outbound_order_no="OB-BACK").status == OutboundOrder.Status.BACKORDERED
        push(E.INBOUND_PURCHASE, fixture_load("inbound_purchase"))
        inbound = InboundOrder.objects.get()
        inbound_order_record_counts(order=inbound, counts=[LineCount(line.pk, 60) for line in inbound.lines.all()],
                                    actor=supervisor)
        inbound_order_complete(order=inbound, actor=supervisor)  # the re-allocation task runs after commit
        stock_adjust(warehouse_id=warehouse.pk, product_id=stocked_catalogue[0].pk, quantity=1,
                     reason=AdjustReason.COUNT_CORRECTION, actor=supervisor)
        assert OutboundOrder.objects.get(outbound_order_no="OB-BACK").status == OutboundOrder.Status.ALLOCATED

    locks = []
    for query in captured.captured_queries:
        match = LOCK.search(query["sql"])
        if match:
            table = re.search(r'\bFROM "(\w+)"', _subqueries_dropped(query["sql"])).group(1)
            locks.append((table, match.group(1), match.group(2)))
    # The one share lock: an outbound order's intake reads its products FOR SHARE (wms.core.db, lock order).
    wrong = [lock for lock in locks if lock[1:] != ("NO KEY UPDATE", f'"{lock[0]}"')
             and lock != ("catalog_product", "SHARE", '"catalog_product"')]
    assert wrong == []
    assert {table for table, _, _ in locks} >= {
        "catalog_product", "outbound_outboundorder", "outbound_putbacktask", "outbound_outboundorderline",
        "inbound_inboundorder", "inventory_stocklevel",
    }
