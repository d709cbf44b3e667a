from django.urls import path

from . import views
from .payloads import RECEIVE_PATHS, ReceivedKind

app_name = "onewarehouse_simulator"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("scenario", views.dashboard_scenario_run, name="scenario-run"),
    path("faults", views.dashboard_fault_arm, name="fault-arm"),
    path(RECEIVE_PATHS[ReceivedKind.INBOUND_CALLBACK], views.inbound_callback, name="inbound-callback"),
    path(RECEIVE_PATHS[ReceivedKind.LABEL], views.outbound_label, name="outbound-label"),
    path(RECEIVE_PATHS[ReceivedKind.OUTBOUND_CALLBACK], views.outbound_callback, name="outbound-callback"),
    path("labels/<str:tracking_no>.<slug:extension>", views.label_file, name="label-file"),
]
