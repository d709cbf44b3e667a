"""Fixtures shared by more than one folder of tests; a fixture used in one folder only is in that folder's
conftest.py, and plain helpers are in tests/helpers.py or a helpers.py beside the tests that use them."""

import copy
import json
import secrets

import pytest
import responses
from django.urls import reverse

from integrations.one.models import OnePublication
from integrations.one.services import one_publication_create
from tests.factories import ProductFactory, UserFactory, WarehouseFactory
from tests.helpers import ONEWAREHOUSE_URL, TEST_ACTOR, onewarehouse_callbacks_configure
from tests.integrations.one import helpers as one
from tests.integrations.onewarehouse.helpers import keys as ow_keys
from tests.integrations.onewarehouse.helpers import sign as ow_sign
from tests.simulators.helpers import SIMULATOR_URLCONF, SimulatorKeys, SimulatorsLive
from wms.celery import app as celery_app
from wms.core.roles import Role
from wms.inventory.services import StockLine, stock_receive

# Tasks run in the test process, as a worker would run them after commit.
celery_app.conf.task_always_eager = True
celery_app.conf.task_eager_propagates = True

@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite the test database is a file in the session's temporary folder, as ``make run``'s is: each thread
    (a live server's, a Celery worker's) gets its own connection, with wms/settings.py's WAL, busy timeout and
    BEGIN IMMEDIATE. Django's default, an in-memory database in shared-cache mode, hands the test thread's one
    connection to the live server's thread and gives other threads table-level locks that fail at once
    ("database table is locked"), with no busy timeout."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and not database["TEST"].get("NAME"):
        database["TEST"]["NAME"] = str(tmp_path_factory.mktemp("database") / "test.sqlite3")


@pytest.fixture
def warehouse(db):
    return WarehouseFactory()


@pytest.fixture
def product(db):
    return ProductFactory()


@pytest.fixture
def supervisor(db):
    return UserFactory(roles=[Role.SUPERVISOR])


@pytest.fixture
def receiver(db):
    return UserFactory(roles=[Role.RECEIVER])


@pytest.fixture
def picker(db):
    return UserFactory(roles=[Role.PICKER])


@pytest.fixture
def stocked(warehouse):
    """Receive ``qty`` good units of a product; returns the product."""

    def _stocked(qty: int, product=None):
        product = product or ProductFactory()
        stock_receive(actor=TEST_ACTOR, warehouse_id=warehouse.pk, good=[StockLine(product.pk, qty)],
                      reference_type="test", reference_number="T-1")
        return product

    return _stocked


@pytest.fixture(autouse=True)
def onewarehouse_profile_contract(request, settings):
    """Tests speak profile ``contract`` (our own contract, the suite's examples) unless marked
    ``@pytest.mark.onewarehouse_profile("v20210901")``."""
    marker = request.node.get_closest_marker("onewarehouse_profile")
    settings.ONEWAREHOUSE_PROFILE = marker.args[0] if marker else "contract"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Production serves hashed files collected by the release step; tests render pages without collecting.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture(autouse=True)
def _label_files_in_tmp(settings, tmp_path):
    # Label files go to their private root; each test gets its own, never the developer's var/labels.
    settings.OUTBOUND_LABEL_ROOT = str(tmp_path / "labels")


# --- OneWarehouse pushing to us: the six receiving URLs (helpers in tests/integrations/onewarehouse/helpers.py) ---

@pytest.fixture
def ow_settings(settings):
    settings.ONEWAREHOUSE_ENV = "sandbox"
    settings.ONEWAREHOUSE_KEYS = {"sandbox": ow_keys(), "production": ow_keys("", "")}
    settings.ONEWAREHOUSE_SIGNATURE_MODE = "md5"
    settings.ONEWAREHOUSE_ALLOWED_IPS = []
    settings.ONEWAREHOUSE_TRUSTED_PROXY_HEADER = ""
    settings.ONEWAREHOUSE_TIMESTAMP_TOLERANCE_SECONDS = 300
    settings.ONEWAREHOUSE_MAX_BODY_BYTES = 1024 * 1024
    return settings


@pytest.fixture
def push(client, ow_settings):
    """POST to one of the six URLs; signed with the sandbox push key unless ``headers`` are given."""

    def _push(endpoint: str, payload=None, *, raw: bytes | None = None, headers: dict | None = None,
              query: str = "", **extra):
        body = raw if raw is not None else json.dumps(payload).encode()
        return client.post(reverse(f"onewarehouse:{endpoint}") + query, data=body,
                           content_type="application/json", headers=ow_sign(body) if headers is None else headers,
                           **extra)

    return _push


@pytest.fixture
def catalogue(warehouse):
    """The warehouse and the two products of the contract's examples."""
    return [ProductFactory(sku_id="OW-100234"), ProductFactory(sku_id="OW-100235")]


@pytest.fixture
def stocked_catalogue(catalogue, stocked):
    for product in catalogue:
        stocked(10, product)
    return catalogue


# --- Us calling OneWarehouse: callbacks and label requests ----------------------------------------------------

@pytest.fixture
def ow_callbacks(settings):
    """Our callbacks and label requests go to OneWarehouse's sandbox at ONEWAREHOUSE_URL, signed with test keys."""
    onewarehouse_callbacks_configure(settings, base_url=ONEWAREHOUSE_URL)


@pytest.fixture
def ow_labels(ow_callbacks, settings):
    """As ``ow_callbacks``, and labels as the outbound flow gets them: requested by staff (not on packing), the
    example's label_url host allowed, pages that must be framed saying so themselves."""
    settings.ONEWAREHOUSE_LABEL_HOSTS = ["label.example.com"]  # the fixture's label_url is on its own host
    settings.X_FRAME_OPTIONS = "DENY"
    settings.OUTBOUND_LABEL_ON_PACK = False


@pytest.fixture
def products(warehouse, stocked):
    """The contract examples' two products, with their barcodes and sku codes, ten of each in stock."""
    a = stocked(10, ProductFactory(sku_id="OW-100234", barcode="4710000100234", sku_code="TSHIRT-BLK-M"))
    b = stocked(10, ProductFactory(sku_id="OW-100235", barcode="4710000100235", sku_code="TSHIRT-BLK-L"))
    return a, b


# --- ONE: our stock published to ONE (helpers in tests/integrations/one/helpers.py) --------------------------

@pytest.fixture
def one_settings(settings):
    """ONE at its test address, with the test tenant and key (every test in tests/integrations/one/ has it)."""
    settings.ONE_BASE_URL = one.BASE_URL
    settings.ONE_TENANT = one.TENANT
    settings.ONE_API_KEY = one.API_KEY
    settings.ONE_MAX_LINES_PER_REQUEST = 10_000
    return settings


@pytest.fixture
def one_publication(warehouse):
    def _publication(mode=OnePublication.Mode.INCREMENTAL, one_warehouse_id=one.ONE_WH, warehouse_=None):
        return one_publication_create(actor=TEST_ACTOR, warehouse=warehouse_ or warehouse,
                                      one_warehouse_id=one_warehouse_id, mode=mode)

    return _publication


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def two_products(warehouse):
    """The contract's two products: 12 available each, with reserved and damaged units that must not count."""
    a = ProductFactory(sku_id="SIGNY_51502000")
    b = ProductFactory(sku_id="SIGNY_51500600")
    one.receive(warehouse, a, 12, damaged=4)
    one.receive(warehouse, b, 15)
    one.reserve(warehouse, b, 3)
    one.flag(a, b)
    return a, b


# --- The simulators in front of the WMS (tests/simulators/) ---------------------------------------------------

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
    """The end-to-end set-up: the WMS's OneWarehouse and ONE clients call the simulators served by pytest-django's
    ``live_server`` over real HTTP, and the OneWarehouse simulator pushes to the same live server."""
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
