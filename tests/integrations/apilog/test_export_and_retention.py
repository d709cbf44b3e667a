import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.apilog.models import ApiExchange
from integrations.apilog.services import exchange_prune
from integrations.apilog.tasks import apilog_prune
from tests.factories import OwnerFactory, ProductFactory, WarehouseFactory
from tests.helpers import ONEWAREHOUSE_EXAMPLES
from wms.inbound.models import InboundOrder
from wms.outbound.models import OutboundOrder
from wms.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:apilog_apiexchange_changelist"


def exchange(**fields):
    defaults = dict(direction="IN", integration="onewarehouse", endpoint="outbound_create", method="POST",
                    url="/api/onewarehouse/outbound-orders", status_code=200, business_code=0,
                    request_body='{"outbound_order_no": "OB-1"}', order_no="OB-1")
    return ApiExchange.objects.create(**{**defaults, **fields})


def aged(row, days):
    ApiExchange.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_export_gives_the_selected_rows_as_a_json_file(client, supervisor):
    first, second = exchange(), exchange(order_no="OB-2", status_code=401, business_code=4001)
    exchange(order_no="OB-3")
    client.force_login(supervisor)
    response = client.post(reverse(CHANGELIST), {"action": "export_json", "_selected_action": [first.pk, second.pk]})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="wms-request-log-')
    rows = json.loads(response.content)["exchanges"]
    assert [(r["id"], r["order_no"], r["business_code"]) for r in rows] == [(first.pk, "OB-1", 0),
                                                                            (second.pk, "OB-2", 4001)]
    assert rows[0]["request_body"] == '{"outbound_order_no": "OB-1"}'


def test_prune_deletes_only_what_is_older_than_the_retention(settings):
    settings.APILOG_RETENTION_DAYS = 30
    old, recent = exchange(), exchange()
    aged(old, 31)
    aged(recent, 29)
    assert apilog_prune() == 1
    assert list(ApiExchange.objects.values_list("pk", flat=True)) == [recent.pk]


def test_prune_keeps_a_recent_replay_of_a_pruned_original():
    original = exchange()
    replay = exchange(replay_of=original, signature_verdict="replayed")
    aged(original, 100)
    assert exchange_prune(older_than_days=90, batch_size=1) == 1
    replay.refresh_from_db()
    assert replay.replay_of is None


def test_retry_of_an_outgoing_call_puts_its_outbox_message_back_in_line(client, supervisor, receiver):
    message = OutboxMessage.objects.create(kind="INBOUND_CALLBACK", aggregate_type="inbound_order", aggregate_id="1",
                                           status=OutboxMessage.Status.DEAD, attempts=12, last_error="HTTP 500")
    call = exchange(direction="OUT", endpoint="inbound_callback", status_code=500, business_code=None,
                    outbox_message_id=message.pk)
    client.force_login(receiver)  # not a Supervisor: the request log and its actions are closed
    assert client.post(reverse(CHANGELIST), {"action": "retry_outgoing",
                                             "_selected_action": [call.pk]}).status_code == 403
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD
    client.force_login(supervisor)
    client.post(reverse(CHANGELIST), {"action": "retry_outgoing", "_selected_action": [call.pk]})
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING


def test_the_request_log_filtered_by_merchant_exports_none_of_another_merchants_exchanges(client, supervisor):
    a, b = OwnerFactory(owner_code="MERCHANT-A"), OwnerFactory(owner_code="MERCHANT-B")
    warehouse = WarehouseFactory()
    for owner, number in ((a, "OB-A"), (b, "OB-B"), (b, "SHARED-1")):
        OutboundOrder.objects.create(outbound_order_no=number, warehouse=warehouse, owner=owner)
    InboundOrder.objects.create(inbound_order_no="IB-A", order_type="PURCHASE", warehouse=warehouse, owner=a)
    InboundOrder.objects.create(inbound_order_no="SHARED-1", order_type="PURCHASE", warehouse=warehouse, owner=a)
    ProductFactory(sku_id="SKU-A", owner=a)
    ProductFactory(sku_id="SKU-B", owner=b)
    ours = [exchange(order_no="OB-A"), exchange(direction="OUT", endpoint="shipping_label", order_no="OB-A"),
            exchange(endpoint="inbound_purchase", order_no="IB-A"),
            exchange(endpoint="product_sync", order_no="", sku_id="SKU-A")]
    exchange(order_no="OB-B")
    exchange(endpoint="product_sync", order_no="", sku_id="SKU-B")
    exchange(endpoint="product_sync", order_no="", sku_id="", request_body='{"products": []}')  # mixes merchants
    exchange(endpoint="inbound_purchase", order_no="SHARED-1")  # A's inbound number is B's outbound one
    exchange(integration="one", endpoint="stocks_replace", order_no="")

    client.force_login(supervisor)
    listed = client.get(reverse(CHANGELIST), {"merchant": a.pk})
    assert listed.status_code == 200
    assert sorted(row.pk for row in listed.context["cl"].result_list) == sorted(row.pk for row in ours)
    exported = client.post(reverse(CHANGELIST) + f"?merchant={a.pk}", {
        "action": "export_json", "select_across": "1", "_selected_action": [ours[0].pk]})
    rows = json.loads(exported.content)["exchanges"]
    assert [row["id"] for row in rows] == sorted(row.pk for row in ours)
    assert client.get(reverse(CHANGELIST), {"merchant": "²"}).context["cl"].result_count == 0


def test_export_masks_recipients_personal_data_unless_asked_for_it(client, supervisor):
    contract = (ONEWAREHOUSE_EXAMPLES / "outbound_create.json").read_text()
    field = (ONEWAREHOUSE_EXAMPLES.parent.parent / "v20210901" / "examples" / "outbound_create.json").read_text()
    rows = [exchange(request_body=contract), exchange(request_body=field, order_no="OB-2"),
            exchange(request_body="name=Lin Mei&phone=0912", order_no="OB-3")]
    selected = [row.pk for row in rows]
    client.force_login(supervisor)
    masked = client.post(reverse(CHANGELIST), {"action": "export_json", "_selected_action": selected})
    document = json.loads(masked.content)
    assert document["personal_data"] == "masked"
    text = masked.content.decode()
    for personal in ("Lin Mei", "+886912345678", "mei@example.com", "Xinyi Rd", "+886223456789"):
        assert personal not in text
    first, second, third = (json.loads(r["request_body"]) if r["order_no"] != "OB-3" else r["request_body"]
                            for r in document["exchanges"])
    assert first["recipient"]["name"] == "*** (personal data)" and first["recipient"]["city"] == "Taipei"
    assert first["items"] == json.loads(contract)["items"]  # the rest as logged
    assert second["consigneer"]["consignee_mobile"] == "*** (personal data)"
    assert third == "*** (personal data)"  # not JSON: left out whole

    # The full export is its own action, named so.
    full = client.post(reverse(CHANGELIST), {"action": "export_json_personal", "_selected_action": selected})
    assert json.loads(full.content)["personal_data"] == "included" and "Lin Mei" in full.content.decode()
