"""The fault injection both simulators share (integrations.simfaults), run against each simulator's own model."""

import pytest

from integrations.one.simulator.models import SimFault as OneFault
from integrations.onewarehouse.simulator.models import SimFault as OwFault
from integrations.simfaults import services

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
