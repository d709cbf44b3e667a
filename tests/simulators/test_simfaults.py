"""The fault injection both simulators share (simulators.faults), run against each simulator's own model."""

import pytest
from django.contrib.messages import get_messages

from simulators.faults import services
from simulators.one.models import SimFault as OneFault
from simulators.onewarehouse.models import SimFault as OwFault

pytestmark = pytest.mark.django_db

SIMULATORS = pytest.mark.parametrize("model, endpoint, other_endpoint", [
    (OneFault, "put_stocks", "get_stocks"),
    (OwFault, "label", "inbound_callback"),
], ids=["one", "onewarehouse"])


@SIMULATORS
def test_a_fault_is_taken_once_per_call_and_its_last_call_deletes_it(model, endpoint, other_endpoint):
    armed = services.fault_arm(model=model, endpoint=endpoint, kind="slow", count=2, delay_seconds=1.5)
    first = services.fault_take(model=model, endpoint=endpoint)
    assert (first.pk, first.remaining, first.delay_seconds) == (armed.pk, 1, 1.5)
    assert model.objects.get().remaining == 1
    last = services.fault_take(model=model, endpoint=endpoint)
    assert last.remaining == 0
    assert not model.objects.exists()
    assert services.fault_take(model=model, endpoint=endpoint) is None


@SIMULATORS
def test_the_oldest_fault_of_the_called_endpoint_is_taken_first(model, endpoint, other_endpoint):
    services.fault_arm(model=model, endpoint=other_endpoint, kind="http_429", count=1)
    services.fault_arm(model=model, endpoint=endpoint, kind="http_429", count=1)
    services.fault_arm(model=model, endpoint=endpoint, kind="slow", count=1)
    assert services.fault_take(model=model, endpoint=endpoint).kind == "http_429"
    assert services.fault_take(model=model, endpoint=endpoint).kind == "slow"
    assert services.fault_take(model=model, endpoint=endpoint) is None
    assert model.objects.get().endpoint == other_endpoint


@SIMULATORS
def test_a_fault_needs_a_positive_count_and_a_kind_of_its_simulator(model, endpoint, other_endpoint):
    with pytest.raises(ValueError, match="count must be at least 1"):
        services.fault_arm(model=model, endpoint=endpoint, kind="slow", count=0)
    foreign_kind = "http_503" if model is OwFault else "code_error"
    with pytest.raises(ValueError):
        services.fault_arm(model=model, endpoint=endpoint, kind=foreign_kind, count=1)
    assert not model.objects.exists()


def test_clearing_the_faults_of_one_simulator_leaves_the_other_armed():
    services.fault_arm(model=OneFault, endpoint="get_stocks", kind="http_503", count=1)
    services.fault_arm(model=OneFault, endpoint="put_stocks", kind="slow", count=3)
    services.fault_arm(model=OwFault, endpoint="label", kind="code_error", count=1, error_code=1099)
    assert services.faults_clear(model=OneFault) == 2
    assert not OneFault.objects.exists()
    assert OwFault.objects.get().error_code == 1099


PAGES = pytest.mark.parametrize("model, page, endpoint", [
    (OneFault, "/simulators/one/", "put_stocks"),
    (OwFault, "/simulators/onewarehouse/", "label"),
], ids=["one", "onewarehouse"])


def _last_message(response) -> str:
    """The message the request added (the test client does not follow the redirect that would show them)."""
    return [str(message) for message in get_messages(response.wsgi_request)][-1]


@PAGES
@pytest.mark.usefixtures("simulator_urls")
def test_the_fault_form_arms_a_fault_and_clears_them_all_then_goes_back_to_the_dashboard(staff_client, model, page,
                                                                                         endpoint):
    response = staff_client.post(page + "faults", {"endpoint": endpoint, "kind": "slow", "count": "2",
                                                   "delay_seconds": "2.5"})
    assert (response.status_code, response.url) == (302, page)
    assert _last_message(response) == "Fault armed."
    assert (model.objects.values_list("endpoint", "kind", "remaining", "delay_seconds").get()
            == (endpoint, "slow", 2, 2.5))
    response = staff_client.post(page + "faults", {"clear": "1"})
    assert (response.status_code, response.url, _last_message(response)) == (302, page, "All faults cleared.")
    assert not model.objects.exists()


LABELS = {"endpoint": "Endpoint", "kind": "Answer", "count": "Calls", "delay_seconds": "Delay (s)",
          "error_code": "Code"}


@PAGES
@pytest.mark.usefixtures("simulator_urls")
@pytest.mark.parametrize("field, value", [("endpoint", "nowhere"), ("kind", "fire"), ("count", "0"),
                                          ("count", "two"), ("count", "²"), ("count", "1_1"), ("count", "99999999999"),
                                          ("delay_seconds", "soon"), ("delay_seconds", "NaN"),
                                          ("delay_seconds", "inf"), ("delay_seconds", "1e9"), ("delay_seconds", "-1")])
def test_the_fault_form_refuses_a_bad_field_naming_it_and_arms_nothing(staff_client, model, page, endpoint, field,
                                                                       value):
    form = {"endpoint": endpoint, "kind": "slow", "count": "1", "delay_seconds": "1"} | {field: value}
    response = staff_client.post(page + "faults", form)
    assert response.status_code == 200  # the dashboard again, with the message and what was typed
    assert _last_message(response).startswith(f"{LABELS[field]}: ")
    if field in ("count", "delay_seconds"):
        assert f'name="{field}" value="{value}"' in response.content.decode()
    assert not model.objects.exists()


@pytest.mark.usefixtures("simulator_urls")
def test_the_onewarehouse_fault_form_arms_its_error_code_and_refuses_a_bad_one(staff_client):
    form = {"endpoint": "label", "kind": "code_error", "count": "1"}
    staff_client.post("/simulators/onewarehouse/faults", form)
    staff_client.post("/simulators/onewarehouse/faults", form | {"error_code": "1099"})
    assert list(OwFault.objects.values_list("error_code", flat=True)) == [5000, 1099]
    response = staff_client.post("/simulators/onewarehouse/faults", form | {"error_code": "x"})
    assert _last_message(response) == "Code: Enter a whole number (digits 0-9 only)."
    assert OwFault.objects.count() == 2


@pytest.mark.usefixtures("simulator_urls")
@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e30", "1_1", "-1", "²", "abc"])
def test_the_reservation_form_refuses_a_bad_quantity_naming_it_and_keeping_it(staff_client, value):
    response = staff_client.post("/simulators/one/reservations",
                                 {"warehouse_id": "WRO", "sku": "A", "quantity": value})
    assert response.status_code == 200 and _last_message(response).startswith("Quantity: ")
    html = response.content.decode()
    assert f'name="quantity" value="{value}"' in html and 'name="sku" value="A"' in html


@pytest.mark.usefixtures("simulator_urls")
@pytest.mark.parametrize("value", ["0", "201", "²", "1_1", "NaN"])
def test_the_scenario_form_refuses_a_bad_count_naming_it(staff_client, value):
    response = staff_client.post("/simulators/onewarehouse/scenario", {"scenario": "happy-path", "count": value})
    assert response.status_code == 200 and _last_message(response).startswith("Count: ")
    assert f'name="count" value="{value}"' in response.content.decode()


@pytest.mark.usefixtures("simulator_urls")
def test_each_dashboard_lists_its_armed_faults_and_only_onewarehouse_shows_an_error_code(staff_client):
    services.fault_arm(model=OneFault, endpoint="put_stocks", kind="http_503", count=2)
    services.fault_arm(model=OwFault, endpoint="label", kind="code_error", count=3, error_code=1099)
    one = staff_client.get("/simulators/one/").content.decode()
    ow = staff_client.get("/simulators/onewarehouse/").content.decode()
    assert 'action="/simulators/one/faults"' in one and 'action="/simulators/onewarehouse/faults"' in ow
    assert "<td>PUT warehouse stocks (replace)</td><td>HTTP 503</td><td>2</td><td>0.0</td></tr>" in one
    assert "<td>Get shipping label</td><td>HTTP 200 with code != 0</td><td>3</td><td>0.0</td><td>1099</td></tr>" in ow
    assert 'name="error_code"' in ow and 'name="error_code"' not in one
