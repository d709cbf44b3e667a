from django.urls import path

from . import views
from .payloads import receive_routes

app_name = "onewarehouse_simulator"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("scenario", views.dashboard_scenario_run, name="scenario-run"),
    path("faults", views.dashboard_fault_arm, name="fault-arm"),
    # The calls of every wire profile at their own paths: the simulator answers either dialect.
    *(path(route, views.receive, {"kind": kind, "profile": profile}, name=f"{profile}-{kind}")
      for profile, kind, route in receive_routes()),
    path("labels/<str:tracking_no>.<slug:extension>", views.label_file, name="label-file"),
]
