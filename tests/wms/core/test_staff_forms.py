"""Every staff form reads numbers strictly and answers a refusal that names the field and keeps what was typed,
never a 500. The numeric fields are taken from each page's own form class, so a field added later is
covered, and every form class of wms with a number field must be one of the pages tested, so a page added later is
too; the bad values are the ones that once answered 500 or were read as another number."""

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django import forms
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import wms
from tests.factories import ProductFactory, UserFactory
from tests.wms.outbound.helpers import pick_all
from wms.core.actors import ONEWAREHOUSE
from wms.core.forms import StrictDecimalField, StrictIntegerField
from wms.core.roles import Role
from wms.counts.forms import CountForm
from wms.counts.selectors import count_task_lines
from wms.counts.services import count_task_scan, count_tasks_request
from wms.inbound.forms import PutawayForm, ReceiveForm
from wms.inbound.models import InboundOrder, PutawayTask
from wms.inbound.services import LineCount, inbound_order_complete, inbound_order_record_counts, inbound_order_upsert
from wms.inventory.forms import StockAdjustForm
from wms.inventory.models import Location, StockLevel, StockMove
from wms.inventory.selectors import location_default
from wms.outbound.admin import PACKAGE_ROWS
from wms.outbound.forms import PACKAGE_MEASURES, PackForm, PickForm
from wms.outbound.services import outbound_order_create

pytestmark = pytest.mark.django_db

BAD_VALUES = ["NaN", "nan", "inf", "-Infinity", "1e7", "99999999", "²", "3000000000", "1_1", "-1", "", " 4 ", "3.0",
              "4,5", "0x10", "1" * 5000]


@dataclass
class Page:
    url: str
    form: forms.Form  # unbound: its fields are the page's fields
    valid: dict  # a valid post of the whole page
    state: Callable[[], tuple]  # what a refused post must leave as it was
    hidden: tuple[str, ...] = ()  # fields the page fills in itself (not typed by staff): no message names them


def _order_lines(order):
    return list(order.lines.select_related("product").order_by("pk"))


def _state(order):
    def state():
        return (StockMove.objects.count(), [(ln.received_good, ln.received_damaged) if isinstance(order, InboundOrder)
                                            else (ln.picked_qty,) for ln in order.lines.order_by("pk")],
                type(order).objects.get(pk=order.pk).status)
    return state


@pytest.fixture
def stocked_products(stocked):
    return [stocked(10, ProductFactory(sku_id="OW-1")), stocked(10, ProductFactory(sku_id="OW-2"))]


def receive_page(warehouse, stocked_products, **_):
    order, _ = inbound_order_upsert(inbound_order_no="IB-FORMS", order_type="PURCHASE", warehouse_code=warehouse.code,
                                    owner_code="MERCHANT-A",
                                    items=[{"sku_id": "OW-1", "quantity": 5}, {"sku_id": "OW-2", "quantity": 3}])
    form = ReceiveForm(lines=_order_lines(order))
    valid = {"code": "", "quantity": "1", "save": "Save counts"}
    for line in form.lines:
        valid[form.good_name(line)], valid[form.damaged_name(line)] = "2", "0"
    return Page(reverse("admin:inbound_inboundorder_receive", args=[order.pk]), form, valid, _state(order))


def _outbound(warehouse, number="OB-FORMS"):
    order, _ = outbound_order_create(actor=ONEWAREHOUSE,
        outbound_order_no=number, warehouse_code=warehouse.code, owner_code="MERCHANT-A",
        items=[{"sku_id": "OW-1", "quantity": 2}, {"sku_id": "OW-2", "quantity": 1}],
        recipient={"name": "Lin Mei", "country_code": "TW", "city": "Taipei", "address1": "No. 7"},
        logistics={"provider_code": "TCAT", "provider_name": "T-Cat"}, allocate=True)
    return order


def pick_page(warehouse, stocked_products, client=None, **_):
    order = _outbound(warehouse)
    url = reverse("admin:outbound_outboundorder_pick", args=[order.pk])
    client.post(url, {"code": "DOCK", "scan_submit": ""})  # at the bin (the goods are still on the dock)
    valid = {"code": "OW-1", "quantity": "1", "note": ""}
    return Page(url, PickForm(), valid, _state(order))


def count_page(warehouse, stocked_products, user=None, **_):
    location = location_default(warehouse_id=warehouse.pk, kind=Location.Kind.RECEIVING)
    (task,) = count_tasks_request(location_ids=[location.pk], actor=UserFactory(roles=[Role.SUPERVISOR]))
    count_task_scan(task=task, code=location.barcode, actor=user)
    lines = list(count_task_lines(task=task))
    form = CountForm(lines=lines)
    valid = {"code": "", "quantity": "1", **{form.counted_name(line): "9" for line in lines}}

    def state():
        return (StockMove.objects.count(), list(task.lines.order_by("pk").values_list("counted", flat=True)))
    return Page(reverse("admin:counts_counttask_count", args=[task.pk]), form, valid, state)


def pack_page(warehouse, stocked_products, user, **_):
    order = _outbound(warehouse)
    lines = _order_lines(order)
    pick_all(order, user)
    form = PackForm(lines=lines, rows=PACKAGE_ROWS)
    first, second = lines  # 2 units and 1 unit: one parcel each for the first line's units, one for the second
    valid = {}
    for row, (line, units) in zip(form.rows, [(first, 1), (first, 1), (second, 1)], strict=True):
        measures = zip(PACKAGE_MEASURES, ("0.650", "32", "26.5", "6"), strict=True)
        valid.update({form.measure_name(row, m): v for m, v in measures})
        valid.update({form.items_name(row, ln): str(units) if ln == line else "" for ln in lines})
    return Page(reverse("admin:outbound_outboundorder_pack", args=[order.pk]), form, valid, _state(order))


def adjust_page(warehouse, stocked_products, **_):
    level = StockLevel.objects.get(product=stocked_products[0], warehouse=warehouse)
    state = lambda: (StockMove.objects.count(), StockLevel.objects.filter(pk=level.pk).values_list(  # noqa: E731
        "on_hand", "reserved", "damaged").get())
    return Page(reverse("admin:inventory_stocklevel_adjust", args=[level.pk]), StockAdjustForm(),
                {"delta": "-1", "reason": "COUNT_CORRECTION", "note": ""}, state)


def putaway_page(warehouse, stocked_products, user=None, **_):
    order, _ = inbound_order_upsert(inbound_order_no="IB-PUTAWAY", order_type="PURCHASE",
                                    warehouse_code=warehouse.code, owner_code="MERCHANT-A",
                                    items=[{"sku_id": "OW-1", "quantity": 5}])
    inbound_order_record_counts(order=order, counts=[LineCount(line.pk, 5) for line in order.lines.all()], actor=user)
    inbound_order_complete(order=order, actor=user)
    task = PutawayTask.objects.select_related("suggested_location").get(order=order)

    def state():
        return (StockMove.objects.count(), list(PutawayTask.objects.order_by("pk").values_list("status", "quantity")))
    return Page(reverse("admin:inbound_putawaytask_putaway") + f"?task={task.pk}", PutawayForm(),
                {"task": str(task.pk), "code": task.suggested_location.barcode, "quantity": "1"}, state,
                hidden=("task",))


# Each page: the role that uses it, how it is built, its form class.
PAGES = {"receive": ("receiver", receive_page, ReceiveForm), "pick": ("picker", pick_page, PickForm),
         "pack": ("picker", pack_page, PackForm), "adjust": ("supervisor", adjust_page, StockAdjustForm),
         "count": ("picker", count_page, CountForm), "putaway": ("receiver", putaway_page, PutawayForm)}


def test_every_staff_form_with_a_number_field_is_one_of_the_pages_tested_here():
    """A page added later (the putaway screen came after these tests) is tested too: every form class of wms whose
    declared fields hold a number must be the form of one of the PAGES."""
    numeric = set()
    for module in pkgutil.iter_modules(wms.__path__):
        try:
            forms_module = importlib.import_module(f"wms.{module.name}.forms")
        except ModuleNotFoundError:
            continue
        for _, cls in inspect.getmembers(forms_module, inspect.isclass):
            if (issubclass(cls, forms.BaseForm) and cls.__module__ == forms_module.__name__
                    and any(isinstance(f, (forms.IntegerField, forms.DecimalField)) for f in cls.base_fields.values())):
                numeric.add(cls)
    assert {cls.__name__ for cls in numeric - {form for _, _, form in PAGES.values()}} == set()


@pytest.fixture(params=sorted(PAGES))
def page(request, client, warehouse, stocked_products):
    role, build, _ = PAGES[request.param]
    user = request.getfixturevalue(role)
    client.force_login(user)
    return build(warehouse, stocked_products, user=user, client=client)


def numeric_fields(form):
    return {name: field for name, field in form.fields.items() if isinstance(field, (forms.IntegerField,
                                                                                       forms.DecimalField))}


def refused_by(field, value) -> bool:
    """Whether the field itself must refuse ``value`` (a valid number within its limits is for the page to judge)."""
    try:
        field.clean(value)
    except forms.ValidationError:
        return True
    return False


def test_every_numeric_field_of_the_staff_forms_is_a_strict_field(page):
    fields = numeric_fields(page.form)
    assert fields and all(isinstance(f, (StrictIntegerField, StrictDecimalField)) for f in fields.values())


@pytest.mark.parametrize("bad", BAD_VALUES, ids=lambda v: repr(v[:12]))
def test_a_bad_number_in_any_field_is_refused_naming_the_field_and_keeping_what_was_typed(client, page, bad):
    before = page.state()
    refused = 0
    for name, field in numeric_fields(page.form).items():
        if not refused_by(field, bad):
            continue  # e.g. 99999999 units is a whole number; "" where a blank means 0 or one unit
        if name in page.hidden:  # altered by hand: never a 500, nothing done
            assert client.post(page.url, {**page.valid, name: bad}).status_code == 200, (name, bad)
            assert page.state() == before, (name, bad)
            continue
        refused += 1
        response = client.post(page.url, {**page.valid, name: bad})
        assert response.status_code == 200, (name, bad, response.status_code)
        html = response.content.decode()
        assert f"{escape(field.label)}: " in html, (name, bad)  # the message names the field
        if bad:
            assert f'name="{name}" value="{escape(bad)}"' in html or f'value="{escape(bad)}"' in html, (name, bad)
        assert page.state() == before, (name, bad)
    # Valid somewhere (99999999 units, a delta of -1, a weight of 3.0, a blank count of a parcel): else every page
    # has a field that refuses it.
    assert refused or bad in ("99999999", "3.0", "", "-1")


def test_the_valid_post_of_each_page_still_works(client, page):
    before = page.state()
    response = client.post(page.url, page.valid)
    assert response.status_code == 302, [m.message for m in response.context["messages"]] if response.context else ""
    assert page.state() != before


def test_django_integer_field_alone_would_read_1_1_as_11_and_3_0_as_3():
    # Why StrictIntegerField exists: the plain field accepts these as other numbers.
    plain = forms.IntegerField()
    assert (plain.clean("1_1"), plain.clean("3.0"), plain.clean(" 4 ")) == (11, 3, 4)
    strict = StrictIntegerField()
    for value in ("1_1", "3.0", " 4 ", "²", "3000000000", "-1"):
        with pytest.raises(forms.ValidationError):
            strict.clean(value)


def test_a_refused_pack_keeps_every_measure_typed_and_names_the_dimension(client, warehouse, stocked_products,
                                                                          picker):
    client.force_login(picker)
    page = pack_page(warehouse, stocked_products, picker)
    response = client.post(page.url, {**page.valid, "p1_weight_kg": "NaN", "p2_height_cm": "99999999"})
    html = response.content.decode()
    assert "PKG-1 weight (kg): " in html and "PKG-2 height (cm): " in html
    assert 'value="32"' in html and 'value="26.5"' in html and 'value="NaN"' in html and 'value="99999999"' in html


@pytest.fixture
def receive_once(warehouse, stocked_products):
    return receive_page(warehouse, stocked_products)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
       | st.from_regex(r"-?[0-9_.eE+]{1,14}", fullmatch=True))
def test_fuzzed_text_in_any_receive_field_never_answers_500(client, receiver, receive_once, typed):
    client.force_login(receiver)
    page = receive_once
    for name, field in page.form.fields.items():
        response = client.post(page.url, {**page.valid, name: typed})
        assert response.status_code in (200, 302), (name, typed)
        if isinstance(field, forms.IntegerField) and refused_by(field, typed):
            assert response.status_code == 200 and f"{escape(field.label)}: " in response.content.decode()


@pytest.mark.parametrize("ids", ["²", "1_1", "-1", "1,²,x", " 1", "9" * 30])
def test_the_wave_pick_list_reads_only_ascii_ids(client, picker, warehouse, stocked_products, ids):
    order = _outbound(warehouse)
    client.force_login(picker)
    response = client.get(reverse("admin:outbound_outboundorder_wave_pick") + f"?ids={ids},{order.pk}")
    assert response.status_code == 200
    assert [o.pk for o in response.context["orders"]] == [order.pk]


def test_a_scan_that_would_overflow_a_saved_count_is_refused_naming_the_line(client, supervisor, warehouse,
                                                                            stocked_products):
    page = receive_page(warehouse, stocked_products)
    client.force_login(supervisor)  # no over-receipt limit for a Supervisor
    line = page.form.lines[0]
    client.post(page.url, {**page.valid, page.form.good_name(line): "2147483647"})
    response = client.post(page.url, {"code": "OW-1", "quantity": "1", "scan_submit": ""})
    assert response.status_code == 200 and "OW-1: a count cannot exceed 2147483647" in response.content.decode()
    line.refresh_from_db()
    assert line.received_good == 2147483647
