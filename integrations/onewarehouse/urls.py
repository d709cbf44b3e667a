from django.db import transaction
from django.urls import path

from . import views
from .mapping import INCOMING_PATHS, Endpoint

app_name = "onewarehouse"

VIEWS = {
    Endpoint.PRODUCT_SYNC: views.ProductSyncView,
    Endpoint.INBOUND_PURCHASE: views.InboundPurchaseView,
    Endpoint.INBOUND_RETURN: views.InboundReturnView,
    Endpoint.INBOUND_CANCEL: views.InboundCancelView,
    Endpoint.OUTBOUND_CREATE: views.OutboundCreateView,
    Endpoint.OUTBOUND_CANCEL: views.OutboundCancelView,
}

# Never inside a request-wide transaction: the request log must be kept when the business transaction rolls back.
urlpatterns = [
    path(INCOMING_PATHS[endpoint], transaction.non_atomic_requests(view.as_view()), name=endpoint)
    for endpoint, view in VIEWS.items()
]
