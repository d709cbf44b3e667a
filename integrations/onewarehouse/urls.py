from django.db import transaction
from django.urls import path

from . import views
from .mapping import INCOMING_PATHS

app_name = "onewarehouse"

# The same six paths in every profile; the view reads the active profile's row for its endpoint at request time.
# Never inside a request-wide transaction: the request log must be kept when the business transaction rolls back.
urlpatterns = [
    path(route, transaction.non_atomic_requests(views.WebhookView.as_view(endpoint=endpoint)), name=endpoint)
    for endpoint, route in INCOMING_PATHS.items()
]
