import pytest

from tests.factories import UserFactory
from tests.simulators.fixtures import simulator_keys, simulator_urls, simulators_live  # noqa: F401
from wms.core.roles import Role


@pytest.fixture
def staff_client(client, db):
    """A Supervisor's session: the simulators' pages are Supervisor-only."""
    client.force_login(UserFactory(username="sim-staff", roles=[Role.SUPERVISOR]))
    return client
