import pytest
from django.core.management import CommandError, call_command

from simulators.one.models import SimFault as OneFault
from simulators.onewarehouse.models import SimFault as OwFault

pytestmark = pytest.mark.django_db


def test_a_onewarehouse_fault_is_armed_and_cleared_from_the_command_line():
    call_command("onewarehouse_simulator_fault", endpoint="label", kind="code_error", count=2, code=1099)
    fault = OwFault.objects.get()
    assert (fault.endpoint, fault.kind, fault.remaining, fault.error_code) == ("label", "code_error", 2, 1099)
    call_command("onewarehouse_simulator_fault", clear=True)
    assert not OwFault.objects.exists()


def test_a_one_fault_is_armed_and_cleared_from_the_command_line():
    call_command("one_simulator_fault", endpoint="put_stocks", kind="slow", delay=40)
    fault = OneFault.objects.get()
    assert (fault.endpoint, fault.kind, fault.remaining, fault.delay_seconds) == ("put_stocks", "slow", 1, 40)
    call_command("one_simulator_fault", clear=True)
    assert not OneFault.objects.exists()


@pytest.mark.parametrize("command", ["onewarehouse_simulator_fault", "one_simulator_fault"])
def test_a_fault_needs_an_endpoint_and_a_kind_and_a_positive_count(command):
    with pytest.raises(CommandError):
        call_command(command)
    endpoint = "label" if command.startswith("onewarehouse") else "get_stocks"
    with pytest.raises(CommandError):
        call_command(command, endpoint=endpoint, kind="slow", count=0)
