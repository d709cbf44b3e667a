from django.urls import path

from . import views

app_name = "one_simulator"

API = "api/v1/stock/integrations/auth-required/"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reservations", views.dashboard_reservation_set, name="reservation-set"),
    path("faults", views.dashboard_fault_arm, name="fault-arm"),
    path(API + "warehouses/<str:warehouse>/stocks", views.warehouse_stocks, name="warehouse-stocks"),
    # ONE's page spells the incremental path three ways; the simulator accepts them all.
    path(API + "warehouses/<str:warehouse>/stocks/incremental", views.warehouse_stocks_incremental,
         name="warehouse-stocks-incremental"),
    path(API + "warehouses/<str:warehouse>/stock/incremental", views.warehouse_stocks_incremental),
    path(API + "warehouses/<str:warehouse>/stock/incrementa", views.warehouse_stocks_incremental),
    path(API + "stocks", views.stocks, name="stocks"),
    path(API + "products/stocks", views.stocks),
    path(API + "stocks-for-one-product", views.stocks_for_one_product, name="stocks-for-one-product"),
    path(API + "products/stocks-for-one-product", views.stocks_for_one_product),
]
