"""The one bulk-action helper of every admin list action: each selected row is one service call; a typed refusal is
a message naming its row while the others go on; a bug is not hidden; a user without the role runs nothing."""

import pytest
from django import forms
from django.contrib import messages
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from tests.wms.outbound.helpers import order_create, pack_one, pick_all, url
from wms.core.admin import RowMessage, bulk_action, floor_form_post
from wms.core.errors import InvalidTransition, PermissionDenied
from wms.core.forms import StrictIntegerField
from wms.core.roles import Role
from wms.outbox.models import OutboxMessage


class Admin:
    """What bulk_action needs of a ModelAdmin: ``message_user``."""

    def __init__(self):
        self.said = []

    def message_user(self, request, text, level):
        self.said.append((level, text))


def a_request(user):
    request = RequestFactory().post("/")
    request.user = user
    return request


def test_each_row_is_tried_and_a_refusal_names_its_row(supervisor):
    admin, done = Admin(), []

    def act(row):
        if row == "b":
            raise InvalidTransition("it is SHIPPED", errors={"status": ["already shipped"]})
        if row == "c":
            return RowMessage(messages.WARNING, "c: backordered")
        done.append(row)
        return object()  # a service's own return value says nothing

    count = bulk_action(admin, a_request(supervisor), ["a", "b", "c", "d"], act, name=str.upper,
                        done="{n} row(s) done.")
    assert count == 3 and done == ["a", "d"]
    assert admin.said == [(messages.ERROR, "B: it is SHIPPED: already shipped"),
                          (messages.WARNING, "c: backordered"), (messages.SUCCESS, "3 row(s) done.")]


def test_nothing_done_says_no_success_and_the_refusal_level_can_be_lowered(supervisor):
    admin = Admin()

    def act(row):
        raise PermissionDenied("needs the role Supervisor")

    assert bulk_action(admin, a_request(supervisor), [1], act, done="{n} done.",
                       refused_level=messages.WARNING) == 0
    assert admin.said == [(messages.WARNING, "1: needs the role Supervisor")]


def test_a_bug_is_not_turned_into_a_message(supervisor):
    def act(row):
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        bulk_action(Admin(), a_request(supervisor), [1], act)


def test_without_the_role_nothing_runs(receiver):
    admin, ran = Admin(), []
    assert bulk_action(admin, a_request(receiver), [1, 2], ran.append, roles=(Role.PICKER, Role.SUPERVISOR)) == 0
    assert ran == [] and admin.said == [(messages.ERROR, "This needs the Picker or Supervisor role.")]


def test_an_admin_action_reports_each_refused_order_and_does_the_others(client, warehouse, products, picker):
    packed, unpacked = order_create(warehouse, "OB-PACKED"), order_create(warehouse, "OB-NOT-PACKED")
    pick_all(packed, picker)
    pack_one(packed, picker)
    client.force_login(picker)
    response = client.post(url("changelist"), {"action": "request_label",
                                               "_selected_action": [packed.pk, unpacked.pk]})
    assert response.status_code == 302  # a refusal is a message, never a 500
    said = [(m.level, m.message) for m in get_messages(response.wsgi_request)]
    assert said == [
        (messages.ERROR, "OB-NOT-PACKED: A label request for outbound order OB-NOT-PACKED is impossible: it is not "
                         "packed yet"),
        (messages.SUCCESS, "Label requested for 1 order(s)."),
    ]
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SHIPPING_LABEL, aggregate_id=str(packed.pk)).exists()
    assert not OutboxMessage.objects.filter(aggregate_id=str(unpacked.pk)).exists()


class CountForm(forms.Form):
    units = StrictIntegerField(label="Units")


def test_a_floor_post_reports_the_form_or_the_step_refusal_and_else_answers_with_the_step(supervisor):
    request = a_request(supervisor)
    request.session = {}
    request._messages = FallbackStorage(request)
    admin, ran = Admin(), []

    assert floor_form_post(admin, request, CountForm({"units": "1_1"}), lambda: ran.append(1)) is None
    assert ran == [] and [m.message for m in request._messages] == ["Units: Enter a whole number (digits 0-9 only)."]

    def refused():
        raise InvalidTransition("order OB-1 is SHIPPED")

    assert floor_form_post(admin, request, CountForm({"units": "2"}), refused) is None
    assert admin.said == [(messages.ERROR, "order OB-1 is SHIPPED")]
    assert floor_form_post(admin, request, CountForm({"units": "2"}), lambda: "the redirect") == "the redirect"
