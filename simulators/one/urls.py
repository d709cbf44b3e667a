from django.urls import path

from integrations.one.mapping import DEFAULT_PATHS, EXAMPLE_GET_PATHS

from . import views

app_name = "one_simulator"


def _route(name: str, paths: dict[str, str] = DEFAULT_PATHS) -> str:
    """The path the WMS's client calls (``integrations.one.mapping``), as a route under the simulator's root."""
    return paths[name].removeprefix("/").replace("{warehouse}", "<str:warehouse>")


API = _route("stocks").removesuffix("stocks")

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reservations", views.dashboard_reservation_set, name="reservation-set"),
    path("faults", views.dashboard_fault_arm, name="fault-arm"),
    path(_route("replace"), views.warehouse_stocks, name="warehouse-stocks"),
    # ONE's page spells the incremental path three ways; the simulator accepts them all.
    path(_route("incremental"), views.warehouse_stocks_incremental, name="warehouse-stocks-incremental"),
    path(API + "warehouses/<str:warehouse>/stock/incremental", views.warehouse_stocks_incremental),
    path(API + "warehouses/<str:warehouse>/stock/incrementa", views.warehouse_stocks_incremental),
    path(_route("stocks"), views.stocks, name="stocks"),
    # The GET paths as the page's examples write them (the client's ONE_GET_PATHS=examples).
    path(_route("stocks", EXAMPLE_GET_PATHS), views.stocks),
    path(_route("stocks_for_one_product"), views.stocks_for_one_product, name="stocks-for-one-product"),
    path(_route("stocks_for_one_product", EXAMPLE_GET_PATHS), views.stocks_for_one_product),
]
