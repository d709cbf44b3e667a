"""A Supervisor corrects stock (page, list and change-page links, command), with a reason code and a note stored on
the ADJUST move; an adjustment that would break the level is refused naming the field."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.helpers import TEST_ACTOR
from wms.inventory.models import AdjustReason, StockLevel, StockMove
from wms.inventory.services import StockLine, stock_reserve

pytestmark = pytest.mark.django_db


@pytest.fixture
def level(warehouse, stocked):
    product = stocked(5)
    stock_reserve(actor=TEST_ACTOR, warehouse_id=warehouse.pk, lines=[StockLine(product.pk, 2)], reference_type="test",
                  reference_number="R-1")
    return StockLevel.objects.select_related("product", "warehouse").get(product=product, warehouse=warehouse)


def adjust_url(level):
    return reverse("admin:inventory_stocklevel_adjust", args=[level.pk])


def buckets(level):
    return StockLevel.objects.filter(pk=level.pk).values_list("on_hand", "reserved", "damaged").get()


def test_a_supervisor_adjusts_stock_and_the_move_keeps_reason_note_and_actor(client, level, supervisor):
    client.force_login(supervisor)
    response = client.post(adjust_url(level), {"delta": "-2", "reason": "OTHER", "note": "water leak, shelf C1"})
    assert response.status_code == 302
    move = StockMove.objects.filter(kind=StockMove.Kind.ADJUST).get()
    assert (move.quantity, move.reason_code, move.note, move.user, move.reason) == (
        -2, AdjustReason.OTHER, "water leak, shelf C1", supervisor, "Other (note required)")
    assert buckets(level) == (3, 2, 0)


def test_the_adjust_page_is_reachable_from_the_stock_level_list_and_page_for_a_supervisor_only(
        client, level, supervisor, receiver, picker):
    client.force_login(supervisor)
    assert adjust_url(level) in client.get(reverse("admin:inventory_stocklevel_changelist")).content.decode()
    assert adjust_url(level) in client.get(reverse("admin:inventory_stocklevel_change",
                                                   args=[level.pk])).content.decode()
    for user in (receiver, picker):
        client.force_login(user)
        assert adjust_url(level) not in client.get(reverse("admin:inventory_stocklevel_changelist")).content.decode()
        assert client.get(adjust_url(level)).status_code == 403
        assert client.post(adjust_url(level), {"delta": "1", "reason": "FOUND"}).status_code == 403
    assert not StockMove.objects.filter(kind=StockMove.Kind.ADJUST).exists()


@pytest.mark.parametrize(("data", "named"), [
    ({"delta": "-4", "reason": "LOST"}, "below reserved"),  # 5 on hand, 2 reserved
    ({"delta": "-6", "reason": "LOST"}, "negative"),
    ({"delta": "-1", "reason": "EXPIRED", "damaged": "on"}, "damaged is 0"),
    ({"delta": "2147483647", "reason": "FOUND"}, "more than a level can hold"),
    ({"delta": "1", "reason": "OTHER", "note": "  "}, "Note: Required when the reason is Other."),
    ({"delta": "0", "reason": "FOUND"}, "Change (units, + or −): Enter a change other than 0."),
    ({"delta": "1", "reason": "MISC"}, "Reason: Select a valid choice."),
])
def test_an_adjustment_that_would_break_the_level_is_refused_naming_the_field(client, level, supervisor, data, named):
    client.force_login(supervisor)
    response = client.post(adjust_url(level), data)
    html = response.content.decode()
    assert response.status_code == 200 and named in html
    assert f'value="{data["delta"]}"' in html  # what was typed is kept
    assert buckets(level) == (5, 2, 0) and not StockMove.objects.filter(kind__startswith="ADJUST").exists()


def test_the_stock_adjust_command_books_a_move_and_refuses_like_the_page(level, supervisor, capsys):
    common = ["--warehouse", level.warehouse.code, "--sku", level.product.sku_id, "--user", supervisor.username]
    call_command("stock_adjust", *common, "--delta", "4", "--reason", "FOUND")
    assert "+4" in capsys.readouterr().out and buckets(level) == (9, 2, 0)
    with pytest.raises(CommandError, match="below reserved"):
        call_command("stock_adjust", *common, "--delta=-8", "--reason", "LOST")
    with pytest.raises(CommandError, match="Note: Required"):
        call_command("stock_adjust", *common, "--delta", "1", "--reason", "OTHER")
    with pytest.raises(CommandError, match=r"Change \(units, \+ or −\): Enter a whole number"):
        call_command("stock_adjust", *common, "--delta", "1_1", "--reason", "FOUND")
    with pytest.raises(CommandError, match="SKU: no product"):
        call_command("stock_adjust", *common[:2], "--sku", "NOPE", *common[4:], "--delta", "1", "--reason", "FOUND")
    move = StockMove.objects.filter(kind=StockMove.Kind.ADJUST).get()
    assert (move.quantity, move.reason_code, move.user) == (4, "FOUND", supervisor)


def test_the_command_needs_a_supervisor(level, receiver):
    with pytest.raises(CommandError, match="Supervisor"):
        call_command("stock_adjust", "--warehouse", level.warehouse.code, "--sku", level.product.sku_id,
                     "--user", receiver.username, "--delta", "1", "--reason", "FOUND")
