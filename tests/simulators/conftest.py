import pytest
from django.contrib.auth import get_user_model

from tests.simulators.fixtures import simulator_keys, simulator_urls, simulators_live  # noqa: F401


@pytest.fixture
def staff_client(client, db):
    user = get_user_model().objects.create_user(username="sim-staff", password=None, is_staff=True)
    client.force_login(user)
    return client
