"""A fake WMS for the scenario tests: the six receiving URLs answered with the contract's envelopes, registered on
a ``responses`` mock. It checks the push signature with the push key pair, validates the fields the contract calls
required, knows the products it was sent, and keeps orders for idempotency and cancellation."""

import json

import responses
from django.conf import settings

from integrations.onewarehouse import auth

PATHS = {
    "product": "/api/onewarehouse/products/sync",
    "purchase": "/api/onewarehouse/inbound-orders/purchase",
    "return": "/api/onewarehouse/inbound-orders/return",
    "inbound_cancel": "/api/onewarehouse/inbound-orders/cancel",
    "outbound": "/api/onewarehouse/outbound-orders",
    "outbound_cancel": "/api/onewarehouse/outbound-orders/cancel",
}


def _ok(data):
    return 200, {}, json.dumps({"code": 0, "success": True, "msg": "success", "data": data})


def _error(code, msg, *, status=200, errors=None, data=None):
    body = {"code": code, "success": False, "msg": msg, "data": data or {}}
    if errors:
        body["errors"] = errors
    return status, {}, json.dumps(body)


def _positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


class FakeWms:
    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.products: dict[str, str] = {}  # sku_id -> owner_code
        self.inbound: dict[str, str] = {}
        self.outbound: dict[str, str] = {}
        self.requests: list[tuple[str, dict, bytes]] = []

    def register(self, mock: responses.RequestsMock) -> "FakeWms":
        for name, path in PATHS.items():
            mock.add_callback(responses.POST, self.base_url + path, callback=self._handler(name))
        return self

    def _handler(self, name):
        def handle(request):
            body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
            self.requests.append((name, dict(request.headers), body))
            keys = settings.ONEWAREHOUSE_KEYS[settings.ONEWAREHOUSE_ENV]
            expected = auth.signature_compute(
                mode=auth.signature_mode_active(), app_key=keys["push_app_key"],
                app_secret=keys["push_app_secret"], timestamp=request.headers.get(auth.HEADER_TIMESTAMP, ""),
                body=body)
            if request.headers.get(auth.HEADER_APP_KEY) != keys["push_app_key"] or not auth.signature_matches(
                    expected=expected, given=request.headers.get(auth.HEADER_SIGN, "")):
                return _error(4001, "unauthorized", status=401)
            try:
                payload = json.loads(body)
            except ValueError:
                payload = None
            if not isinstance(payload, dict):
                return _error(1000, "body is not a JSON object", status=400)
            return getattr(self, f"_{name}")(payload)

        return handle

    def _product(self, p):
        errors = {f: ["This field is required."] for f in ("sku_id", "product_name", "owner_code") if not p.get(f)}
        try:
            float(p.get("weight", 0))
        except (TypeError, ValueError):
            errors["weight"] = ["A valid number is required."]
        if errors:
            return _error(1001, f"{len(errors)} fields are invalid", errors=errors)
        created = p["sku_id"] not in self.products
        self.products.setdefault(p["sku_id"], p["owner_code"])
        return _ok({"sku_id": p["sku_id"], "created": created})

    def _items_errors(self, p):
        items = p.get("items")
        if not isinstance(items, list) or not items:
            return {"items": ["This list may not be empty."]}
        errors = {f"items.{i}.quantity": ["Ensure this value is greater than 0."]
                  for i, item in enumerate(items) if not _positive_int(item.get("quantity"))}
        errors.update({f"items.{i}.sku_id": ["not a product of this merchant"] for i, item in enumerate(items)
                       if self.products.get(item.get("sku_id"), p.get("owner_code")) != p.get("owner_code")})
        return errors

    def _inbound(self, p, order_type):
        errors = self._items_errors(p)
        if not p.get("inbound_order_no"):
            errors["inbound_order_no"] = ["This field is required."]
        if errors:
            return _error(1001, f"{len(errors)} fields are invalid", errors=errors)
        unknown = [item["sku_id"] for item in p["items"] if item["sku_id"] not in self.products]
        if unknown:
            return _error(1002, f"unknown sku_id {unknown[0]}")
        created = p["inbound_order_no"] not in self.inbound
        self.inbound.setdefault(p["inbound_order_no"], "CREATED")
        return _ok({"inbound_order_no": p["inbound_order_no"], "status": self.inbound[p["inbound_order_no"]],
                    "created": created})

    def _purchase(self, p):
        return self._inbound(p, "PURCHASE")

    def _return(self, p):
        return self._inbound(p, "RETURN")

    def _outbound(self, p):
        errors = self._items_errors(p)
        recipient = p.get("recipient") or {}
        errors.update({f"recipient.{f}": ["This field is required."]
                       for f in ("name", "country_code", "city", "address1") if not recipient.get(f)})
        if errors:
            return _error(1001, f"{len(errors)} fields are invalid", errors=errors)
        created = p["outbound_order_no"] not in self.outbound
        self.outbound.setdefault(p["outbound_order_no"], "BACKORDERED")
        return _ok({"outbound_order_no": p["outbound_order_no"], "status": "BACKORDERED", "created": created})

    def _inbound_cancel(self, p):
        no = p.get("inbound_order_no")
        if no not in self.inbound:
            return _error(1003, f"inbound order {no} does not exist")
        self.inbound[no] = "CANCELLED"
        return _ok({"inbound_order_no": no, "cancelled": True, "status": "CANCELLED", "reason": p.get("reason")})

    def _outbound_cancel(self, p):
        no = p.get("outbound_order_no")
        if no not in self.outbound:
            return _error(1003, f"outbound order {no} does not exist")
        self.outbound[no] = "CANCELLED"
        return _ok({"outbound_order_no": no, "intercepted": True, "status": "CANCELLED", "reason": p.get("reason")})
