"""The product's URLs plus the floor of bench/webhook_intake.py (a bare DRF view that inserts one row) and the
benches' readiness URL.

Only bench/settings_bench.py points at this module; the product never serves it."""

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from wms.urls import urlpatterns as product_urlpatterns

FLOOR_TABLE = "bench_intake_floor"


class FloorView(APIView):
    authentication_classes = ()
    permission_classes = ()
    schema = None  # not part of the documented API

    def post(self, request):
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FLOOR_TABLE} (body) VALUES (%s) RETURNING id", [request.body.decode()])
            row_id = cursor.fetchone()[0]
        return Response({"code": 0, "success": True, "msg": "success", "data": {"id": row_id}})


def ready(request):
    """What a bench polls until gunicorn serves: no database, no template, no static file."""
    return HttpResponse("ready", content_type="text/plain")


urlpatterns = [*product_urlpatterns, path("bench/floor", FloorView.as_view()), path("bench/ready", ready)]
