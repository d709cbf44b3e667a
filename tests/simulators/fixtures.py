"""Fixtures that put the simulators in front of the WMS in tests.

``simulators_live`` is the one for end-to-end tests: the WMS's OneWarehouse client and ONE client then call the
simulators served by pytest-django's ``live_server`` over real HTTP, and the OneWarehouse simulator pushes to the
same live server. Use it from any test module with::

    from tests.simulators.fixtures import *  # noqa: F401,F403  (or add the names to tests/conftest.py)

    @pytest.mark.e2e
    def test_something(simulators_live): ...
"""

import copy
import secrets
from dataclasses import dataclass

import pytest

SIMULATOR_URLCONF = "tests.simulators.urls"


@dataclass(frozen=True)
class SimulatorKeys:
    env: str
    push_app_key: str
    push_app_secret: str
    app_key: str
    app_secret: str
    one_tenant: str
    one_api_key: str


@dataclass(frozen=True)
class SimulatorsLive:
    url: str  # the live server (the WMS's receiving URLs are under it)
    onewarehouse_url: str  # = ONEWAREHOUSE_KEYS[env]["base_url"]
    one_url: str  # = ONE_BASE_URL
    keys: SimulatorKeys


@pytest.fixture
def simulator_urls(settings):
    """Mounts the simulators' URLs (``wms.urls`` reads SIMULATORS_ENABLED only once, at import)."""
    settings.SIMULATORS_ENABLED = True
    settings.ROOT_URLCONF = SIMULATOR_URLCONF  # setting_changed clears the URL caches


@pytest.fixture
def simulator_keys(settings) -> SimulatorKeys:
    """Random keys for both integrations, in the settings the WMS and the simulators both read."""
    env = settings.ONEWAREHOUSE_ENV
    keys = SimulatorKeys(
        env=env, push_app_key="push-" + secrets.token_hex(6), push_app_secret=secrets.token_urlsafe(24),
        app_key="app-" + secrets.token_hex(6), app_secret=secrets.token_urlsafe(24),
        one_tenant="tenant-" + secrets.token_hex(4), one_api_key=secrets.token_urlsafe(24),
    )
    all_keys = copy.deepcopy(settings.ONEWAREHOUSE_KEYS)  # a new dict, so the fixture's restore restores it
    all_keys[env].update(push_app_key=keys.push_app_key, push_app_secret=keys.push_app_secret,
                         app_key=keys.app_key, app_secret=keys.app_secret)
    settings.ONEWAREHOUSE_KEYS = all_keys
    settings.ONE_TENANT = keys.one_tenant
    settings.ONE_API_KEY = keys.one_api_key
    return keys


@pytest.fixture
def simulators_live(simulator_urls, simulator_keys, live_server, settings) -> SimulatorsLive:
    """The WMS clients point at the simulators on the live server; the simulator pushes to the live server."""
    onewarehouse_url = live_server.url + "/simulators/onewarehouse"
    one_url = live_server.url + "/simulators/one"
    all_keys = copy.deepcopy(settings.ONEWAREHOUSE_KEYS)
    all_keys[simulator_keys.env]["base_url"] = onewarehouse_url
    settings.ONEWAREHOUSE_KEYS = all_keys
    settings.ONE_BASE_URL = one_url
    settings.SIMULATOR_WMS_BASE_URL = live_server.url
    # The simulator's label_url is on the live server, 127.0.0.1: allowed for the configured host only.
    settings.ONEWAREHOUSE_LABEL_ALLOW_PRIVATE = True
    return SimulatorsLive(url=live_server.url, onewarehouse_url=onewarehouse_url, one_url=one_url,
                          keys=simulator_keys)
