import pytest

from tests.factories import ProductFactory, UserFactory, WarehouseFactory
from wms.celery import app as celery_app
from wms.core.roles import Role
from wms.inventory.services import StockLine, stock_receive

# Tasks run in the test process, as a worker would run them after commit.
celery_app.conf.task_always_eager = True
celery_app.conf.task_eager_propagates = True

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
        stock_receive(warehouse_id=warehouse.pk, good=[StockLine(product.pk, qty)], reference_type="test",
                      reference_number="T-1")
        return product

    return _stocked


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Production serves hashed files collected by the release step; tests render pages without collecting.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture(autouse=True)
def _label_files_in_tmp(settings, tmp_path):
    # Label files go to their private root; each test gets its own, never the developer's var/labels.
    settings.OUTBOUND_LABEL_ROOT = str(tmp_path / "labels")
