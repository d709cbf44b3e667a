"""Sandbox and production kept apart: every outbox message and request-log row records the OneWarehouse
environment it belongs to; after a switch the other environment's messages are held, never sent, until a
Supervisor discards them or re-targets them to the environment now active."""

import base64

import pytest
import responses
from django.db import transaction
from django.urls import reverse

from integrations.apilog.models import ApiExchange
from tests.wms.outbound.helpers import PDF, label_answer, order_create, pack_one, pick_all
from wms.core.errors import InvalidTransition, PermissionDenied
from wms.outbound.models import OutboundOrder
from wms.outbound.services import outbound_order_label_request
from wms.outbox.models import OutboxMessage
from wms.outbox.services import (
    outbox_dispatch_due,
    outbox_message_discard,
    outbox_message_dispatch,
    outbox_message_enqueue,
    outbox_message_retarget,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ow_labels")]
Status = OutboxMessage.Status
PRODUCTION_URL = "https://ow-production.test"
CHANGELIST = "admin:outbox_outboxmessage_changelist"


def switch_to_production(settings):
    settings.ONEWAREHOUSE_KEYS = {**settings.ONEWAREHOUSE_KEYS, "production": {
        "push_app_key": "", "push_app_secret": "", "app_key": "prod-key", "app_secret": "prod-secret-for-tests",
        "base_url": PRODUCTION_URL}}
    settings.ONEWAREHOUSE_ENV = "production"


def packed(warehouse, picker, number):
    order = order_create(warehouse, number)
    pick_all(order, picker)
    pack_one(order, picker)
    return order


def label_requested_unsent(order, picker, capture):
    with capture(execute=False):  # written, not yet sent (no worker ran)
        return outbound_order_label_request(order=order, user=picker)


def answer_with_pdf(order):
    answer = label_answer(order.outbound_order_no)
    answer["data"].update(label_url=None, label_base64=base64.b64encode(PDF).decode())
    return answer


def test_a_switch_from_sandbox_to_production_holds_the_sandbox_pending_messages(
        settings, warehouse, products, picker, django_capture_on_commit_callbacks):
    first = label_requested_unsent(packed(warehouse, picker, "OB-S1"), picker, django_capture_on_commit_callbacks)
    second = label_requested_unsent(packed(warehouse, picker, "OB-S2"), picker, django_capture_on_commit_callbacks)
    with transaction.atomic():
        callback = outbox_message_enqueue(kind=OutboxMessage.Kind.INBOUND_CALLBACK, aggregate_type="inbound_order",
                                          aggregate_id="77", payload={"inbound_order_no": "IB-77"})
    assert {m.environment for m in (first, second, callback)} == {"sandbox"}

    switch_to_production(settings)
    with responses.RequestsMock() as peer:  # any call, to either environment, would fail here
        assert outbox_message_dispatch(message_id=first.pk) == Status.HELD
        assert outbox_dispatch_due() == {Status.HELD: 2}
        assert len(peer.calls) == 0
    for message in (first, second, callback):
        message.refresh_from_db()
        assert (message.status, message.attempts) == (Status.HELD, 0)
        assert message.environment_note.startswith("Held: written for sandbox, but production is active now")
    assert outbox_message_dispatch(message_id=first.pk) is None  # held is not due: the sweep leaves it alone
    assert not ApiExchange.objects.exists()

    # Written in production: recorded as production and sent there.
    third = packed(warehouse, picker, "OB-P1")
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, PRODUCTION_URL + "/openapi/wms/outbound-orders/label", json=answer_with_pdf(third))
        with django_capture_on_commit_callbacks(execute=True):
            message = outbound_order_label_request(order=third, user=picker)
    message.refresh_from_db()
    assert (message.environment, message.status) == ("production", Status.SENT)
    assert list(ApiExchange.objects.values_list("environment", flat=True)) == ["production"]


def test_a_held_label_request_holds_back_its_order_until_a_supervisor_decides(
        client, settings, warehouse, products, picker, supervisor, django_capture_on_commit_callbacks):
    order = packed(warehouse, picker, "OB-H1")
    held = label_requested_unsent(order, picker, django_capture_on_commit_callbacks)
    switch_to_production(settings)
    assert outbox_message_dispatch(message_id=held.pk) == Status.HELD

    client.force_login(picker)
    order_page = client.get(reverse("admin:outbound_outboundorder_change", args=[order.pk])).content.decode()
    assert "Held: written for sandbox, but production is active now" in order_page
    with pytest.raises(InvalidTransition, match=r"is held \(written for sandbox\): a Supervisor discards it"):
        outbound_order_label_request(order=order, user=picker)  # not a second request behind the held one
    for act in (outbox_message_discard, outbox_message_retarget):
        with pytest.raises(PermissionDenied):
            act(message=held, user=picker)

    with responses.RequestsMock() as peer:
        peer.add(responses.POST, PRODUCTION_URL + "/openapi/wms/outbound-orders/label", json=answer_with_pdf(order))
        with django_capture_on_commit_callbacks(execute=True):
            retargeted = outbox_message_retarget(message=held, user=supervisor)
        (call,) = peer.calls
        assert call.request.headers["X-App-Key"] == "prod-key"  # signed with production's keys
    retargeted.refresh_from_db()
    assert (retargeted.environment, retargeted.status) == ("production", Status.SENT)
    assert f"Re-targeted from sandbox to production by {supervisor.get_username()}" in retargeted.environment_note
    order.refresh_from_db()
    assert order.status == OutboundOrder.Status.LABELLED
    with pytest.raises(InvalidTransition, match="only a held message"):
        outbox_message_discard(message=retargeted, user=supervisor)


def test_a_discarded_message_is_never_sent_and_no_longer_holds_back_what_follows(
        settings, warehouse, products, picker, supervisor, django_capture_on_commit_callbacks):
    order = packed(warehouse, picker, "OB-D1")
    held = label_requested_unsent(order, picker, django_capture_on_commit_callbacks)
    switch_to_production(settings)
    outbox_message_dispatch(message_id=held.pk)
    with django_capture_on_commit_callbacks(execute=False):
        discarded = outbox_message_discard(message=held, user=supervisor)
    assert discarded.status == Status.DISCARDED
    assert f"Discarded by {supervisor.get_username()}" in discarded.environment_note
    assert outbox_message_dispatch(message_id=held.pk) is None

    with responses.RequestsMock() as peer:  # a new request, in production, goes out at once
        peer.add(responses.POST, PRODUCTION_URL + "/openapi/wms/outbound-orders/label", json=answer_with_pdf(order))
        with django_capture_on_commit_callbacks(execute=True):
            fresh = outbound_order_label_request(order=order, user=picker)
    fresh.refresh_from_db()
    assert (fresh.environment, fresh.status) == ("production", Status.SENT)


def test_admin_shows_held_messages_with_the_reason_and_a_supervisor_decides_there(
        client, settings, warehouse, products, picker, supervisor, django_capture_on_commit_callbacks):
    messages = [label_requested_unsent(packed(warehouse, picker, f"OB-A{n}"), picker,
                                       django_capture_on_commit_callbacks) for n in range(2)]
    switch_to_production(settings)
    outbox_dispatch_due()
    client.force_login(supervisor)
    page = client.get(reverse(CHANGELIST) + "?status__exact=HELD").content.decode()
    assert "Held: written for sandbox, but production is active now" in page and "sandbox" in page

    client.force_login(picker)  # no access to the outbox in admin; the services refuse a Picker too (above)
    assert client.post(reverse(CHANGELIST), {"action": "discard", "_selected_action": [messages[0].pk]}
                       ).status_code == 403
    messages[0].refresh_from_db()
    assert messages[0].status == Status.HELD

    client.force_login(supervisor)
    client.post(reverse(CHANGELIST), {"action": "discard", "_selected_action": [messages[0].pk]})
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, PRODUCTION_URL + "/openapi/wms/outbound-orders/label",
                 json=answer_with_pdf(OutboundOrder.objects.get(outbound_order_no="OB-A1")))
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse(CHANGELIST), {"action": "retarget", "_selected_action": [messages[1].pk]})
    for message in messages:
        message.refresh_from_db()
    assert [m.status for m in messages] == [Status.DISCARDED, Status.SENT]


def test_request_log_rows_record_the_environment_of_each_exchange(push, settings):
    sandbox = push("product_sync", {"sku_id": "SKU-ENV", "product_name": "Mug", "owner_code": "MERCHANT-A"})
    assert sandbox.status_code == 200
    assert list(ApiExchange.objects.values_list("integration", "environment")) == [("onewarehouse", "sandbox")]


def test_one_messages_have_no_environment_and_are_never_held(settings, monkeypatch):
    from wms.outbox import registry

    monkeypatch.setattr(registry, "_senders", {**registry._senders,
                                               OutboxMessage.Kind.ONE_STOCK_PUSH: lambda message: {"ok": True}})
    with transaction.atomic():
        message = outbox_message_enqueue(kind=OutboxMessage.Kind.ONE_STOCK_PUSH, aggregate_type="one_sync_run",
                                         aggregate_id="5", payload={})
    assert message.environment == ""
    switch_to_production(settings)
    assert outbox_message_dispatch(message_id=message.pk) == Status.SENT
