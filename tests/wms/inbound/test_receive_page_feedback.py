"""What the receive and order pages tell staff: a save always answers, the callback's state in words, and a retry
only where it can help."""

import pytest
from django.urls import reverse

from tests.wms.inbound.helpers import example_purchase_order, post_counts, receive_url
from wms.inbound.services import inbound_order_cancel
from wms.outbox.models import OutboxMessage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ow_callbacks")]


@pytest.fixture
def order(warehouse):
    return example_purchase_order(warehouse)


def test_save_counts_after_scans_says_they_are_saved(client, order, receiver):
    client.force_login(receiver)
    client.post(receive_url(order), {"code": "4710000100234", "scan_submit": ""})
    page = post_counts(client, order, {"OW-100234": (1, 0), "OW-100235": (0, 0)}, save="Save counts",
                       follow=True).content.decode()
    assert "Counts saved: nothing had changed since the last save" in page
    page = post_counts(client, order, {"OW-100234": (2, 0), "OW-100235": (0, 0)}, save="Save counts",
                       follow=True).content.decode()
    assert "Counts saved." in page and "nothing had changed" not in page


def test_the_order_page_says_when_its_callback_goes_and_a_cancelled_one_that_none_is_due(client, order, receiver):
    client.force_login(receiver)
    change = reverse("admin:inbound_inboundorder_change", args=[order.pk])
    assert "none yet: the callback is sent when the receipt is completed" in client.get(change).content.decode()
    inbound_order_cancel(inbound_order_no=order.inbound_order_no, reason="supplier withdrew")
    page = client.get(change).content.decode()
    assert "none: the order was cancelled, so no callback is due" in page
    assert "sent when the receipt is completed" not in page


def test_a_pending_callback_offers_no_retry_a_failed_one_does(client, order, receiver, supervisor):
    client.force_login(receiver)
    post_counts(client, order, {"OW-100234": (5, 0), "OW-100235": (10, 0)}, complete="Complete")
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.INBOUND_CALLBACK)
    change = reverse("admin:inbound_inboundorder_change", args=[order.pk])
    page = client.get(change).content.decode()
    assert "<strong>pending</strong>" in page and "Retry the callback now" not in page
    message.status, message.last_error = OutboxMessage.Status.DEAD, "HTTP 400: bad field"
    message.save(update_fields=["status", "last_error"])
    assert "Retry the callback now" in client.get(change).content.decode()
