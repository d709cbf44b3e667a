"""Scenarios: sequences of pushes to the WMS in the active profile's names, each with the answer it must get.

A scenario returns a report (one row per push: endpoint, HTTP status, code, msg, what was expected, verdict); the
command prints it and exits non-zero when a row deviates. Every run makes unique order numbers and sku_ids, so a
scenario can run again and again against the same WMS.
"""

import json
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from integrations.onewarehouse.handlers import UNKNOWN_SKU_REFUSE, unknown_sku_policy
from integrations.onewarehouse.profiles import profile_active

from . import payloads as p
from .models import SimPush
from .services import PushOutcome, push_deliver, push_prepare, push_record, push_send

SCENARIOS = ("happy-path", "returns", "cancellations", "bad-input", "burst")
BURST_MAX_THREADS = 16


@dataclass(frozen=True)
class Expect:
    code: int = p.Code.OK
    http_status: int = 200
    # Keys of ``data`` that must hold these values (e.g. {"cancelled": True}).
    data: dict = field(default_factory=dict)

    def describe(self) -> str:
        extra = "".join(f" {k}={v}" for k, v in self.data.items())
        return f"{self.http_status}/{self.code}{extra}"

    def deviation(self, outcome: PushOutcome) -> str:
        """'' if the answer is what the contract says, else what is wrong."""
        if outcome.error and outcome.envelope is None:
            return outcome.error
        if outcome.status_code != self.http_status:
            return f"HTTP {outcome.status_code}, expected {self.http_status}"
        envelope = outcome.envelope
        if not isinstance(envelope, dict):
            return "the answer is not a JSON object"
        if outcome.code != self.code:
            return f"code {envelope.get('code')!r}, expected {self.code}"
        if "success" in envelope and envelope["success"] is not (self.code == p.Code.OK):
            return f"success {envelope.get('success')!r} does not agree with code {self.code}"
        if not isinstance(envelope.get("msg"), str):
            return "msg is missing"
        data = envelope.get("data")
        if not isinstance(data, (dict, list)):
            return "data is missing"
        if self.code == p.Code.VALIDATION_ERROR and not envelope.get("errors"):
            return "a validation error must name its fields in errors"
        for key, value in self.data.items():
            got = data.get(key) if isinstance(data, dict) else None
            if got != value:
                return f"data.{key} is {got!r}, expected {value!r}"
        return ""


@dataclass
class Row:
    step: str
    kind: str
    order_no: str
    status_code: int | None
    code: int | None
    msg: str
    expected: str
    deviation: str

    @property
    def ok(self) -> bool:
        return not self.deviation


@dataclass
class Report:
    scenario: str
    run_id: str
    rows: list[Row] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    def table(self) -> str:
        header = ("step", "endpoint", "HTTP", "code", "msg", "expected", "result")
        lines = [
            (row.step, p.PUSH_PATHS[p.PushKind(row.kind)], str(row.status_code or "-"),
             "-" if row.code is None else str(row.code), (row.msg or "")[:60], row.expected,
             "ok" if row.ok else f"DEVIATES: {row.deviation}")
            for row in self.rows
        ]
        widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(header)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
        out += [fmt.format(*line) for line in lines]
        verdict = f"all answers as profile {profile_active().name} says" if self.ok else \
            f"{sum(not r.ok for r in self.rows)} of {len(self.rows)} answers deviate"
        out.append(f"scenario {self.scenario} (run {self.run_id}): {verdict}")
        return "\n".join(out)


@dataclass
class Context:
    scenario: str
    count: int
    wms_url: str
    warehouse_code: str
    owner_code: str
    run_id: str
    report: Report

    def push(self, step: str, kind: str, payload=None, expect: Expect = Expect(), **kwargs) -> PushOutcome:
        sim_push, outcome = push_send(kind=kind, payload=payload, wms_url=self.wms_url, scenario=self.scenario,
                                      **kwargs)
        self.add(step, kind, sim_push.order_no, outcome, expect)
        return outcome

    def add(self, step: str, kind: str, order_no: str, outcome: PushOutcome, expect: Expect) -> None:
        self.report.rows.append(Row(step=step, kind=kind, order_no=order_no, status_code=outcome.status_code,
                                    code=outcome.code, msg=outcome.msg, expected=expect.describe(),
                                    deviation=expect.deviation(outcome)))

    def no(self, prefix: str, index: int | None = None) -> str:
        return f"{prefix}-SIM-{self.run_id}" + ("" if index is None else f"-{index}")

    def products(self, n: int = 2) -> list[str]:
        """Pushes ``n`` new products (the contract example with a unique sku_id) and returns their sku_ids."""
        skus = [self.no("SKU", i) for i in range(1, n + 1)]
        for i, sku in enumerate(skus, start=1):
            self.push(f"product {i}", p.PushKind.PRODUCT_SYNC,
                      p.product_payload(sku_id=sku, owner_code=self.owner_code, barcode=_barcode_new()),
                      Expect(data=p.answer_data(p.PushKind.PRODUCT_SYNC, {"product.sku_id": sku, "created": True})))
        return skus

    def outbound(self, step: str, order_no: str, skus: list[str]) -> PushOutcome:
        items = [p.Item(sku, 1) for sku in skus]
        return self.push(step, p.PushKind.OUTBOUND_CREATE,
                         p.outbound_create_payload(outbound_order_no=order_no, items=items,
                                                   warehouse_code=self.warehouse_code, owner_code=self.owner_code),
                         Expect(data=p.answer_data(p.PushKind.OUTBOUND_CREATE,
                                                   {"order.outbound_order_no": order_no, "created": True})))

    def purchase(self, step: str, order_no: str, skus: list[str], quantity: int) -> PushOutcome:
        items = [p.Item(sku, quantity) for sku in skus]
        return self.push(step, p.PushKind.INBOUND_PURCHASE,
                         p.inbound_purchase_payload(inbound_order_no=order_no, items=items,
                                                    warehouse_code=self.warehouse_code, owner_code=self.owner_code),
                         Expect(data=p.answer_data(p.PushKind.INBOUND_PURCHASE,
                                                   {"order.inbound_order_no": order_no, "created": True})))


def _happy_path(ctx: Context) -> None:
    skus = ctx.products()
    ctx.purchase("purchase inbound", ctx.no("IB"), skus, quantity=10 * ctx.count)
    for i in range(1, ctx.count + 1):
        ctx.outbound(f"outbound {i}", ctx.no("OB", i), skus)


def _previous_outbound(ctx: Context) -> tuple[str, list[str]] | None:
    """The latest outbound order this simulator pushed to this WMS and the WMS accepted."""
    previous = (SimPush.objects.filter(kind=p.PushKind.OUTBOUND_CREATE, response_code=p.Code.OK,
                                       url=ctx.wms_url.rstrip("/") + p.PUSH_PATHS[p.PushKind.OUTBOUND_CREATE])
                .order_by("-created_at", "-pk").first())
    if previous is None:
        return None
    body = json.loads(previous.request_body)
    # Read back with the active profile's serializer: its names, and the domain facts they stand for.
    serializer = profile_active().receiving[p.PushKind.OUTBOUND_CREATE].payload(body)(data=body)
    if not serializer.is_valid():  # pushed in another profile
        return None
    return serializer.validated_data["outbound_order_no"], [item["sku_id"] for item in
                                                            serializer.validated_data["items"]]


def _returns(ctx: Context) -> None:
    previous = _previous_outbound(ctx)
    if previous is None:
        skus = ctx.products()
        ctx.outbound("outbound to return", ctx.no("OB"), skus)
        previous = (ctx.no("OB"), skus)
    original_no, skus = previous
    for i in range(1, ctx.count + 1):
        order_no = ctx.no("RT", i)
        ctx.push(f"return {i} of {original_no}", p.PushKind.INBOUND_RETURN,
                 p.inbound_return_payload(inbound_order_no=order_no, original_order_no=original_no,
                                          items=[p.Item(skus[0], 1)], warehouse_code=ctx.warehouse_code,
                                          owner_code=ctx.owner_code),
                 Expect(data=p.answer_data(p.PushKind.INBOUND_RETURN,
                                           {"order.inbound_order_no": order_no, "created": True})))


def _cancellations(ctx: Context) -> None:
    skus = ctx.products()
    for i in range(1, ctx.count + 1):
        ctx.purchase(f"purchase {i}", ctx.no("IB", i), skus, quantity=5)
        ctx.outbound(f"outbound {i}", ctx.no("OB", i), skus)
    for i in range(1, ctx.count + 1):
        ctx.push(f"cancel purchase {i}", p.PushKind.INBOUND_CANCEL,
                 p.inbound_cancel_payload(inbound_order_no=ctx.no("IB", i)),
                 Expect(data=p.answer_data(p.PushKind.INBOUND_CANCEL,
                                           {"order.inbound_order_no": ctx.no("IB", i), "cancelled": True})))
        ctx.push(f"intercept outbound {i}", p.PushKind.OUTBOUND_CANCEL,
                 p.outbound_cancel_payload(outbound_order_no=ctx.no("OB", i)),
                 Expect(data=p.answer_data(p.PushKind.OUTBOUND_CANCEL,
                                           {"order.outbound_order_no": ctx.no("OB", i), "intercepted": True})))
    ctx.push("cancel purchase 1 again", p.PushKind.INBOUND_CANCEL,
             p.inbound_cancel_payload(inbound_order_no=ctx.no("IB", 1)),
             Expect(data=p.answer_data(p.PushKind.INBOUND_CANCEL,
                                       {"order.inbound_order_no": ctx.no("IB", 1), "cancelled": True})))
    ctx.push("cancel unknown purchase", p.PushKind.INBOUND_CANCEL,
             p.inbound_cancel_payload(inbound_order_no=ctx.no("IB-UNKNOWN")), Expect(code=p.Code.NOT_FOUND))
    ctx.push("intercept unknown outbound", p.PushKind.OUTBOUND_CANCEL,
             p.outbound_cancel_payload(outbound_order_no=ctx.no("OB-UNKNOWN")), Expect(code=p.Code.NOT_FOUND))


def _bad_input(ctx: Context) -> None:
    """Bad pushes built as domain facts and rendered in the active profile's names (its own name of each field)."""
    skus = ctx.products(1)
    invalid = Expect(code=p.Code.VALIDATION_ERROR)
    product = p.product_data(sku_id=ctx.no("SKU-BAD"), owner_code=ctx.owner_code)
    ctx.push("product without sku_id", p.PushKind.PRODUCT_SYNC,
             p.render(p.PushKind.PRODUCT_SYNC, {k: v for k, v in product.items() if k != "sku_id"}), invalid)
    ctx.push("product weight not a number", p.PushKind.PRODUCT_SYNC,
             p.render(p.PushKind.PRODUCT_SYNC, {**product, "weight_kg": "heavy"}), invalid)

    inbound = p.inbound_purchase_data(inbound_order_no=ctx.no("IB-BAD"), items=[p.Item(skus[0], 1)],
                                      warehouse_code=ctx.warehouse_code, owner_code=ctx.owner_code)
    ctx.push("purchase without items", p.PushKind.INBOUND_PURCHASE,
             p.render(p.PushKind.INBOUND_PURCHASE, {**inbound, "items": []}), invalid)
    ctx.push("purchase of an unknown sku", p.PushKind.INBOUND_PURCHASE,
             p.render(p.PushKind.INBOUND_PURCHASE, {**inbound, "items": [{"sku_id": ctx.no("SKU-UNKNOWN"),
                                                                          "quantity": 1}]}),
             # Refused, or taken with a placeholder product, as the WMS is configured (ONEWAREHOUSE_UNKNOWN_SKU).
             Expect(code=p.Code.UNKNOWN_SKU) if unknown_sku_policy() == UNKNOWN_SKU_REFUSE else Expect())

    outbound = p.outbound_create_data(outbound_order_no=ctx.no("OB-BAD"), items=[p.Item(skus[0], 1)],
                                      warehouse_code=ctx.warehouse_code, owner_code=ctx.owner_code)
    recipient = {k: v for k, v in outbound["recipient"].items() if k != "city"}
    ctx.push("outbound without recipient.city", p.PushKind.OUTBOUND_CREATE,
             p.render(p.PushKind.OUTBOUND_CREATE, {**outbound, "recipient": recipient}), invalid)
    ctx.push("outbound quantity 0", p.PushKind.OUTBOUND_CREATE,
             p.render(p.PushKind.OUTBOUND_CREATE, {**outbound, "items": [{"sku_id": skus[0], "quantity": 0}]}),
             invalid)
    ctx.push("outbound quantity not an integer", p.PushKind.OUTBOUND_CREATE,
             p.render(p.PushKind.OUTBOUND_CREATE, {**outbound, "items": [{"sku_id": skus[0], "quantity": "two"}]}),
             invalid)
    # Refused, so the made-up merchant is not created either.
    ctx.push("outbound of another merchant's product", p.PushKind.OUTBOUND_CREATE,
             p.render(p.PushKind.OUTBOUND_CREATE, {**outbound, "owner_code": ctx.no("MERCHANT-OTHER")}), invalid)
    ctx.push("product with a bad signature", p.PushKind.PRODUCT_SYNC, p.render(p.PushKind.PRODUCT_SYNC, product),
             Expect(code=p.Code.UNAUTHORIZED, http_status=401), tamper_signature=True)
    ctx.push("body is not JSON", p.PushKind.PRODUCT_SYNC, None, Expect(code=p.Code.BAD_REQUEST, http_status=400),
             raw_body=b"sku_id=OW-1&product_name=not json")
    ctx.push("cancel of an unknown purchase", p.PushKind.INBOUND_CANCEL,
             p.inbound_cancel_payload(inbound_order_no=ctx.no("IB-UNKNOWN")), Expect(code=p.Code.NOT_FOUND))


def _burst(ctx: Context) -> None:
    skus = ctx.products()
    items = [p.Item(sku, 1) for sku in skus]
    prepared = [
        push_prepare(kind=p.PushKind.OUTBOUND_CREATE, scenario=ctx.scenario, wms_url=ctx.wms_url,
                     payload=p.outbound_create_payload(outbound_order_no=ctx.no("OB", i), items=items,
                                                       warehouse_code=ctx.warehouse_code, owner_code=ctx.owner_code))
        for i in range(1, ctx.count + 1)
    ]
    # Threads only do HTTP; the records are written here, in this thread, with its database connection.
    with ThreadPoolExecutor(max_workers=min(BURST_MAX_THREADS, max(1, ctx.count))) as pool:
        outcomes = list(pool.map(lambda prep: push_deliver(prepared=prep), prepared))
    for i, (prep, outcome) in enumerate(zip(prepared, outcomes, strict=True), start=1):
        push_record(prepared=prep, outcome=outcome)
        ctx.add(f"burst outbound {i}", prep.kind, prep.order_no, outcome,
                Expect(data=p.answer_data(p.PushKind.OUTBOUND_CREATE,
                                          {"order.outbound_order_no": prep.order_no, "created": True})))


RUNNERS: dict[str, Callable[[Context], None]] = {
    "happy-path": _happy_path,
    "returns": _returns,
    "cancellations": _cancellations,
    "bad-input": _bad_input,
    "burst": _burst,
}


def _barcode_new() -> str:
    return "29" + "".join(secrets.choice("0123456789") for _ in range(11))  # 2x: in-store numbering range


def run_id_new() -> str:
    return timezone.now().strftime("%y%m%d%H%M%S") + secrets.token_hex(2).upper()


def scenario_run(*, name: str, count: int = 1, wms_url: str = "", warehouse_code: str = p.EXAMPLE_WAREHOUSE_CODE,
                 owner_code: str = p.EXAMPLE_OWNER_CODE, run_id: str = "") -> Report:
    if name not in RUNNERS:
        raise ValueError(f"unknown scenario {name!r}; one of {', '.join(SCENARIOS)}")
    if count < 1:
        raise ValueError("count must be at least 1")
    run_id = run_id or run_id_new()
    report = Report(scenario=name, run_id=run_id)
    ctx = Context(scenario=name, count=count, wms_url=wms_url or settings.SIMULATOR_WMS_BASE_URL,
                  warehouse_code=warehouse_code, owner_code=owner_code, run_id=run_id, report=report)
    RUNNERS[name](ctx)
    return report
