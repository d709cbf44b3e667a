"""What the simulators' fixtures (``simulator_urls``, ``simulator_keys``, ``simulators_live``, in tests/conftest.py)
give a test: the live server's and the simulators' addresses and the random keys both sides were given."""

from dataclasses import dataclass

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
