"""The outbox list and page in staff's words: the order's number, the peer's answer as JSON."""

import pytest
from django.urls import reverse

from wms.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_a_message_names_its_order_and_shows_the_answer_as_json(client, supervisor):
    message = OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.OUTBOUND_CALLBACK, aggregate_type="outbound_order", aggregate_id="1",
        payload={"outbound_order_no": "OB-WORDS-1"}, status=OutboxMessage.Status.DEAD,
        last_error="HTTP 400: packages.0.weight", response={"code": 1001, "success": False, "msg": "bad weight"})
    OutboxMessage.objects.create(kind=OutboxMessage.Kind.ONE_STOCK_PUSH, aggregate_type="one_sync_run",
                                 aggregate_id="7", payload={})
    client.force_login(supervisor)
    listing = client.get(reverse("admin:outbox_outboxmessage_changelist")).content.decode()
    assert "Outbound order OB-WORDS-1" in listing and "ONE sync run #7" in listing
    assert "outbound_order</td>" not in listing
    assert "HTTP 400: packages.0.weight" in listing
    page = client.get(reverse("admin:outbox_outboxmessage_change", args=[message.pk])).content.decode()
    assert "&quot;success&quot;: false" in page and "&quot;msg&quot;: &quot;bad weight&quot;" in page
    assert "&#x27;success&#x27;: False" not in page  # not Python's dict
    assert 'name="payload"' not in page and 'name="response"' not in page  # shown, never typed
