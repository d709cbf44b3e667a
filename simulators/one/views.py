"""The fake ONE stock API: the four endpoints (with the path variants ONE's page uses), and a staff page."""

import hmac
import json
import time
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.one.mapping import (
    BODY_STOCKS,
    BODY_STOCKS_TO_REMOVE,
    HEADER_API_KEY,
    HEADER_TENANT,
    LINE_ID,
    LINE_QUANTITY,
    LINE_SKU,
    QUERY_CART_ID,
    QUERY_SKU,
    QUERY_SKUS,
    QUERY_WAREHOUSES,
    QUERY_WITH_STOCKS,
)
from simulators.faults.views import fault_form_submit, supervisor_required
from wms.core.forms import StrictDecimalField, form_errors_report

from . import selectors, services
from .models import Endpoint, SimFault, SimReservation, SimWarehouse

sleep = time.sleep  # a name tests can replace: a slow answer is asserted without waiting


class BadRequest(Exception):
    def __init__(self, message: str, *, status: int = 400, errors: list[str] | None = None):
        super().__init__(message)
        self.status = status
        self.errors = errors or []


def _authorized(request) -> bool:
    tenant, api_key = settings.ONE_TENANT, settings.ONE_API_KEY
    if not tenant or not api_key:
        return False  # a simulator with no keys configured accepts nobody
    return (hmac.compare_digest(request.headers.get(HEADER_TENANT, "").encode(), tenant.encode())
            and hmac.compare_digest(request.headers.get(HEADER_API_KEY, "").encode(), api_key.encode()))


def _warehouses(request) -> list[str]:
    """``warehouses`` (the examples) or ``warehousesId`` (the page's glossary)."""
    return _list_param(request, QUERY_WAREHOUSES) or _list_param(request, "warehousesId")


def _with_stocks(request) -> bool:
    """``withStocks``: ``false`` (every example of ONE's page) answers no stock rows; ``true``, or none, lists them."""
    value = request.GET.get(QUERY_WITH_STOCKS, "true")
    if value.lower() not in ("true", "false"):
        raise BadRequest(f"{QUERY_WITH_STOCKS} must be true or false, not {value!r}")
    return value.lower() == "true"


def _list_param(request, name: str) -> list[str]:
    """A parameter ONE takes several times (``skus=A&skus=B``, as the contract's examples and our client send it).
    Each value is taken whole: a sku_id may itself hold a comma or a blank, so splitting or trimming would read
    another product (the reconciliation then reported a sku_id with a comma as drift)."""
    return list(dict.fromkeys(value for value in request.GET.getlist(name) if value))


def _quantity(value, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise BadRequest(f"{where}: quantity must be a number")
    try:
        quantity = Decimal(str(value))
    except InvalidOperation:
        raise BadRequest(f"{where}: quantity must be a number") from None
    if not quantity.is_finite() or quantity < 0:
        raise BadRequest(f"{where}: quantity must be a number >= 0")
    return quantity


def _body(request, *, stocks_required: bool) -> tuple[list[services.StockLine], list[str]]:
    try:
        payload = json.loads(request.body, parse_float=Decimal)
    except ValueError:
        raise BadRequest("body is not JSON") from None
    if not isinstance(payload, dict):
        raise BadRequest("body must be a JSON object")
    stocks = payload.get(BODY_STOCKS, None if stocks_required else [])
    remove = payload.get(BODY_STOCKS_TO_REMOVE) or []
    if not isinstance(stocks, list):
        raise BadRequest("stocks must be a list" if stocks is not None else "stocks is required")
    if not isinstance(remove, list) or not all(isinstance(r, str) and r for r in remove):
        raise BadRequest("stocksToRemove must be a list of stock ids")
    lines = len(stocks) + len(remove)
    if lines > settings.ONE_MAX_LINES_PER_REQUEST:
        raise BadRequest(f"too many lines: {lines} > {settings.ONE_MAX_LINES_PER_REQUEST} per request; split the "
                         "request (a PUT cannot be split: use the incremental endpoint)", status=413)
    parsed, errors = [], []
    for index, line in enumerate(stocks):
        where = f"stocks[{index}]"
        try:
            if not isinstance(line, dict):
                raise BadRequest(f"{where} must be an object")
            sku = line.get(LINE_SKU)
            if not isinstance(sku, str) or not sku:
                raise BadRequest(f"{where}: sku is required")
            stock_id = line.get(LINE_ID) or sku
            if not isinstance(stock_id, str):
                raise BadRequest(f"{where}: id must be a string")
            parsed.append(services.StockLine(stock_id=stock_id, sku=sku,
                                             quantity=_quantity(line.get(LINE_QUANTITY), where)))
        except BadRequest as exc:
            errors.append(str(exc))
    if errors:
        raise BadRequest(f"{len(errors)} stock lines are invalid", errors=errors)
    return parsed, remove


def _handle(request, endpoint: str, act) -> JsonResponse:
    fault = None
    if not _authorized(request):
        status, answer = 401, {"message": "unauthorized: wrong one-tenant or ApiAuth"}
    else:
        fault = services.fault_take(endpoint=endpoint)
        if fault is not None and fault.kind == SimFault.Kind.SLOW:
            sleep(fault.delay_seconds)
        if fault is not None and fault.kind == SimFault.Kind.HTTP_429:
            status, answer = 429, {"message": "simulated rate limit: slow down"}
        elif fault is not None and fault.kind == SimFault.Kind.HTTP_503:
            status, answer = 503, {"message": "simulated outage"}
        else:
            try:
                status, answer = 200, act()
            except BadRequest as exc:
                status, answer = exc.status, {"message": str(exc), "errors": exc.errors}
    response = JsonResponse(answer, status=status, safe=False)
    if status == 429:
        response["Retry-After"] = "1"
    services.request_record(endpoint=endpoint, method=request.method, path=request.path,
                            query=request.META.get("QUERY_STRING", ""), body=request.body, status_code=status,
                            response_body=response.content.decode(), fault=fault.kind if fault else "")
    return response


def _method_not_allowed(request, allowed: str) -> JsonResponse:
    response = JsonResponse({"message": f"method {request.method} not allowed"}, status=405)
    response["Allow"] = allowed
    return response


@csrf_exempt
def warehouse_stocks(request, warehouse: str):
    """PUT .../warehouses/{warehouse}/stocks: replace all of the warehouse's stock."""
    if request.method != "PUT":
        return _method_not_allowed(request, "PUT")

    def act():
        lines, remove = _body(request, stocks_required=True)
        if remove:
            raise BadRequest("stocksToRemove belongs to the incremental endpoint")
        return services.stock_replace(warehouse_id=warehouse, lines=lines).as_dict()

    return _handle(request, Endpoint.PUT_STOCKS, act)


@csrf_exempt
def warehouse_stocks_incremental(request, warehouse: str):
    """POST .../warehouses/{warehouse}/stocks/incremental (and the page's ``stock/incremental[a]``)."""
    if request.method != "POST":
        return _method_not_allowed(request, "POST")

    def act():
        lines, remove = _body(request, stocks_required=False)
        return services.stock_incremental_apply(warehouse_id=warehouse, lines=lines, remove_ids=remove).as_dict()

    return _handle(request, Endpoint.POST_INCREMENTAL, act)


def stocks(request):
    """GET .../stocks?skus=A&skus=B&warehouses=W[&cartId=][&withStocks=false]."""
    if request.method != "GET":
        return _method_not_allowed(request, "GET")

    def act():
        skus = _list_param(request, QUERY_SKUS) or _list_param(request, QUERY_SKU)
        if not skus:
            raise BadRequest("skus is required")
        if len(skus) > settings.ONE_MAX_LINES_PER_REQUEST:
            raise BadRequest(f"too many skus: {len(skus)} > {settings.ONE_MAX_LINES_PER_REQUEST}", status=413)
        return selectors.stocks_for_skus(skus=skus, warehouse_ids=_warehouses(request),
                                         cart_id=request.GET.get(QUERY_CART_ID, ""), with_stocks=_with_stocks(request))

    return _handle(request, Endpoint.GET_STOCKS, act)


def stocks_for_one_product(request):
    """GET .../stocks-for-one-product?sku=A[&warehouses=..][&cartId=][&withStocks=false] (``skus`` accepted too)."""
    if request.method != "GET":
        return _method_not_allowed(request, "GET")

    def act():
        skus = _list_param(request, QUERY_SKU) or _list_param(request, QUERY_SKUS)
        if len(skus) != 1:
            raise BadRequest("exactly one sku is required")
        return selectors.stocks_for_one_product(sku=skus[0], warehouse_ids=_warehouses(request),
                                                cart_id=request.GET.get(QUERY_CART_ID, ""),
                                                with_stocks=_with_stocks(request))

    return _handle(request, Endpoint.GET_ONE_PRODUCT, act)


class ReservationForm(forms.Form):
    warehouse_id = forms.CharField(max_length=SimWarehouse._meta.get_field("warehouse_id").max_length,
                                   label="Warehouse")
    sku = forms.CharField(max_length=SimReservation._meta.get_field("sku").max_length, label="SKU")
    cart_id = forms.CharField(required=False, max_length=SimReservation._meta.get_field("cart_id").max_length,
                              label="Cart")
    quantity = StrictDecimalField.for_model_field(SimReservation._meta.get_field("quantity"), min_value=0,
                                                  label="Quantity")


def _dashboard_page(request, typed: dict | None = None):
    return render(request, "simulators/one.html", {
        "overview": selectors.warehouse_overview(), "reservations": selectors.reservation_list(),
        "faults": selectors.fault_list(), "requests": selectors.request_list(limit=50),
        "endpoints": Endpoint.choices, "fault_kinds": SimFault.Kind.choices,
        "max_lines": settings.ONE_MAX_LINES_PER_REQUEST, **(typed or {}),
    })


@supervisor_required
def dashboard(request):
    return _dashboard_page(request)


@supervisor_required
@require_POST
def dashboard_reservation_set(request):
    form = ReservationForm(request.POST)
    if not form.is_valid():
        form_errors_report(request, form)
        return _dashboard_page(request, {"reservation_typed": request.POST})
    data = form.cleaned_data
    try:
        services.reservation_set(warehouse_id=data["warehouse_id"].strip(), sku=data["sku"].strip(),
                                 cart_id=data["cart_id"].strip(), quantity=data["quantity"])
    except ValueError as exc:
        messages.error(request, f"Reservation not set: {exc}")
    else:
        messages.success(request, "Reservation set.")
    return redirect("one_simulator:dashboard")


@supervisor_required
@require_POST
def dashboard_fault_arm(request):
    return fault_form_submit(request, endpoints=Endpoint, kinds=SimFault.Kind, arm=services.fault_arm,
                             clear=services.faults_clear, dashboard="one_simulator:dashboard", page=_dashboard_page)
