import pytest

from tests.factories import UserFactory
from wms.core.roles import Role


@pytest.fixture
def staff_client(client, db):
    """A Supervisor's session: the simulators' pages are Supervisor-only."""
    client.force_login(UserFactory(username="sim-staff", roles=[Role.SUPERVISOR]))
    return client
