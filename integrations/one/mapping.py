"""Every ONE path and field name, in one place.

ONE's published page is inconsistent (paths with and without ``/products/``, ``stock/incrementa`` vs
``stocks/incremental``, ``sku`` vs ``skus``). The defaults are the contract's (docs/contracts/one/README.md).
The two GET paths follow the page's headings (``.../stocks``) unless the environment says
``ONE_GET_PATHS=examples`` (the page's examples: ``.../products/stocks``); a deployment that finds ONE answering
elsewhere still overrides any path with ``settings.ONE_PATHS = {"name": "..."}``, without touching code.
"""

from dataclasses import dataclass
from decimal import Decimal
from json.encoder import encode_basestring  # json.dumps of a str (C-accelerated), ensure_ascii=False
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# ======================================================================================================
# Paths
# ======================================================================================================

DEFAULT_PATHS = {
    "stocks": "/api/v1/stock/integrations/auth-required/stocks",
    "stocks_for_one_product": "/api/v1/stock/integrations/auth-required/stocks-for-one-product",
    "replace": "/api/v1/stock/integrations/auth-required/warehouses/{warehouse}/stocks",
    "incremental": "/api/v1/stock/integrations/auth-required/warehouses/{warehouse}/stocks/incremental",
}


# The GET paths as the page's examples write them (``ONE_GET_PATHS=examples``).
EXAMPLE_GET_PATHS = {
    "stocks": "/api/v1/stock/integrations/auth-required/products/stocks",
    "stocks_for_one_product": "/api/v1/stock/integrations/auth-required/products/stocks-for-one-product",
}
GET_PATH_VARIANTS = ("headings", "examples")


def path(name: str, **params: str) -> str:
    variant = settings.ONE_GET_PATHS
    if variant not in GET_PATH_VARIANTS:
        raise ImproperlyConfigured(f"ONE_GET_PATHS must be one of {GET_PATH_VARIANTS}, not {variant!r}")
    paths = {**DEFAULT_PATHS, **(EXAMPLE_GET_PATHS if variant == "examples" else {}),
             **getattr(settings, "ONE_PATHS", {})}
    return paths[name].format(**{key: quote(str(value), safe="") for key, value in params.items()})


def query_string(params: list[tuple[str, str]]) -> str:
    """The query of a GET, every value percent-encoded whole (a space is %20, a comma %2C: a sku holding either is
    one value, never split or read as ``+``)."""
    return urlencode(params, quote_via=quote, safe="")


# ======================================================================================================
# Headers and query parameters
# ======================================================================================================

HEADER_TENANT = "one-tenant"
HEADER_API_KEY = "ApiAuth"
QUERY_SKUS = "skus"  # GET stocks: repeated, one per product
QUERY_SKU = "sku"  # GET stocks-for-one-product
QUERY_WAREHOUSES = "warehouses"  # repeated
QUERY_CART_ID = "cartId"
QUERY_WITH_STOCKS = "withStocks"  # "false" on both GETs, as the page's examples send it: no per-location rows

# ======================================================================================================
# Request bodies (PUT replace, POST incremental)
# ======================================================================================================

BODY_STOCKS = "stocks"
BODY_STOCKS_TO_REMOVE = "stocksToRemove"
LINE_ID = "id"
LINE_QUANTITY = "quantity"
LINE_SKU = "sku"


def stock_line_json(*, sku: str, quantity: int) -> str:
    """One line of ``stocks`` as JSON text. ``id`` = ``sku``: we keep no separate storage-location stock ids.

    Built as text (not a dict passed to ``json.dumps``) so that a request of 10,000 lines is written as it is read.
    """
    encoded = encode_basestring(sku)
    return f'{{"{LINE_ID}": {encoded}, "{LINE_QUANTITY}": {int(quantity)}, "{LINE_SKU}": {encoded}}}'


def removal_json(*, sku: str) -> str:
    return encode_basestring(sku)


def replace_body(stock_lines: list[str]) -> str:
    """PUT body: ``{"stocks": [...]}`` from lines made by ``stock_line_json``."""
    return f'{{"{BODY_STOCKS}": [{", ".join(stock_lines)}]}}'


def incremental_body(stock_lines: list[str], removals: list[str]) -> str:
    """POST body: ``{"stocks": [...], "stocksToRemove": [...]}`` (both keys always present, as in ONE's example)."""
    return (f'{{"{BODY_STOCKS}": [{", ".join(stock_lines)}], '
            f'"{BODY_STOCKS_TO_REMOVE}": [{", ".join(removals)}]}}')


# ======================================================================================================
# Answers of the GET calls
# ======================================================================================================


@dataclass(frozen=True)
class WarehouseStock:
    warehouse_id: str
    label: str
    quantity: Decimal  # available on ONE (minus ONE's cart reservations)
    largest_quantity: Decimal  # with reservations: what we sent


@dataclass(frozen=True)
class ProductStock:
    overall_quantity: Decimal
    selected_warehouses_quantity: Decimal
    warehouses: tuple[WarehouseStock, ...]

    def in_warehouse(self, warehouse_id: str) -> WarehouseStock | None:
        return next((w for w in self.warehouses if w.warehouse_id == warehouse_id), None)


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value if value is not None else 0))


def product_stock_parse(data: dict) -> ProductStock:
    return ProductStock(
        overall_quantity=_decimal(data.get("overallQuantity")),
        selected_warehouses_quantity=_decimal(data.get("selectedWarehousesQuantity")),
        warehouses=tuple(
            WarehouseStock(
                warehouse_id=str(w.get("warehouseId", "")), label=str(w.get("warehouseLabel", "")),
                quantity=_decimal(w.get("quantity")), largest_quantity=_decimal(w.get("largestQuantity")),
            )
            for w in data.get("warehouses") or []
        ),
    )


def stocks_parse(data: dict) -> dict[str, ProductStock]:
    """GET stocks answers ``{sku: {...}}``; skus ONE does not know are absent."""
    return {sku: product_stock_parse(entry) for sku, entry in (data or {}).items() if isinstance(entry, dict)}
