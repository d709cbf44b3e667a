"""Admin "Replay" of incoming requests: Supervisors only, only requests that passed the arrival checks."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from integrations.apilog.models import ApiExchange
from integrations.apilog.services import exchange_replay
from tests.factories import UserFactory
from tests.integrations.onewarehouse.helpers import E, exchange_last, fixture_bytes, sign
from wms.catalog.models import Product
from wms.core.errors import DomainValidationError, PermissionDenied
from wms.core.roles import Role

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:apilog_apiexchange_changelist"


def replay_action(client, *exchanges):
    return client.post(reverse(CHANGELIST), {"action": "replay", "_selected_action": [e.pk for e in exchanges]},
                       follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_supervisor_replays_an_incoming_request_from_admin(client, push, supervisor):
    push(E.PRODUCT_SYNC, raw=fixture_bytes("product_sync"))
    original = exchange_last()
    Product.objects.all().delete()
    client.force_login(supervisor)
    response = replay_action(client, original)
    replay = exchange_last()
    assert replay.pk != original.pk and replay.replay_of == original
    assert (replay.signature_verdict, replay.status_code, replay.business_code) == ("replayed", 200, 0)
    assert Product.objects.filter(sku_id="OW-100234").exists()
    assert messages_of(response) == [f"#{original.pk} replayed as #{replay.pk}: HTTP 200, code 0"]


def test_staff_who_may_read_the_log_but_are_not_supervisors_cannot_replay(client, push):
    push(E.PRODUCT_SYNC, raw=fixture_bytes("product_sync"))
    reader = UserFactory(roles=[Role.PICKER])
    reader.user_permissions.add(Permission.objects.get(codename="view_apiexchange"))
    client.force_login(reader)
    assert client.get(reverse(CHANGELIST)).status_code == 200
    replay_action(client, exchange_last())
    assert ApiExchange.objects.count() == 1
    with pytest.raises(PermissionDenied):
        exchange_replay(exchange=exchange_last(), actor=reader)


def test_a_request_refused_at_arrival_cannot_be_replayed(client, push, supervisor):
    body = fixture_bytes("product_sync")
    push(E.PRODUCT_SYNC, raw=body, headers=sign(body, secret="forged"))
    refused = exchange_last()
    client.force_login(supervisor)
    response = replay_action(client, refused)
    assert ApiExchange.objects.count() == 1 and not Product.objects.exists()
    assert messages_of(response) == [
        f"#{refused.pk} not replayed: exchange {refused.pk} was not accepted at arrival "
        f"(refused: signature mismatch); only an authenticated request can be replayed"]


def test_an_outgoing_exchange_is_not_replayed(supervisor):
    outgoing = ApiExchange.objects.create(direction=ApiExchange.Direction.OUTGOING, integration="onewarehouse",
                                          endpoint="label", method="POST", url="https://ow.example/label")
    with pytest.raises(DomainValidationError):
        exchange_replay(exchange=outgoing, actor=supervisor)


def test_a_replay_of_a_replay_is_allowed_and_changes_nothing_more(push, supervisor):
    push(E.PRODUCT_SYNC, raw=fixture_bytes("product_sync"))
    first = exchange_replay(exchange=exchange_last(), actor=supervisor)
    second = exchange_replay(exchange=first, actor=supervisor)
    assert second.replay_of == first and second.business_code == 0
    assert Product.objects.count() == 1
