"""What the integration console shows: configuration (never secret values), call health per endpoint, the
go-live checklist of OneWarehouse's integration guide per environment and the guide's runbook, each step checked
against the request log of that environment, and the outbox messages held after an environment switch."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from integrations.apilog.models import ApiExchange
from integrations.apilog.selectors import exchange_succeeded_q
from integrations.onewarehouse.auth import (
    ALLOWED_IPS_KEYWORD,
    ONEWAREHOUSE_EGRESS_IPS,
    SignatureMode,
    allowed_networks,
    outgoing_mode_active,
    signature_mode_active,
)
from integrations.onewarehouse.checks import NONE_WITHOUT_ALLOW_LIST
from integrations.onewarehouse.handlers import unknown_sku_policy
from integrations.onewarehouse.mapping import Endpoint
from integrations.onewarehouse.senders import SENDERS
from integrations.onewarehouse.services import INTEGRATION as ONEWAREHOUSE
from wms.catalog.models import Owner, Product
from wms.catalog.selectors import products_awaiting_data
from wms.inbound.models import InboundOrder
from wms.outbound.models import OutboundOrder
from wms.outbox.models import OutboxMessage

ENVIRONMENTS = ("sandbox", "production")
SANDBOX, PRODUCTION = ENVIRONMENTS
IN, OUT = ApiExchange.Direction.INCOMING, ApiExchange.Direction.OUTGOING

# The guide's self-test sequence in the sandbox: (step, direction, endpoint name in the request log).
GO_LIVE_STEPS = (
    ("Product sync received", ApiExchange.Direction.INCOMING, "product_sync"),
    ("Purchase inbound order received", ApiExchange.Direction.INCOMING, "inbound_purchase"),
    ("Inbound order callback sent (creates stock on OneWarehouse)", ApiExchange.Direction.OUTGOING,
     "inbound_callback"),
    ("Return inbound order received", ApiExchange.Direction.INCOMING, "inbound_return"),
    ("Inbound order cancellation answered", ApiExchange.Direction.INCOMING, "inbound_cancel"),
    ("Outbound order received", ApiExchange.Direction.INCOMING, "outbound_create"),
    ("Shipping label fetched (before the outbound callback)", ApiExchange.Direction.OUTGOING, "shipping_label"),
    ("Outbound order callback sent (shipped)", ApiExchange.Direction.OUTGOING, "outbound_callback"),
    ("Outbound order cancellation answered", ApiExchange.Direction.INCOMING, "outbound_cancel"),
)


@dataclass(frozen=True)
class EndpointHealth:
    integration: str
    direction: str
    endpoint: str
    calls: int
    failures: int
    last_call_at: object
    last_success_at: object

    @property
    def error_rate(self) -> float:
        return self.failures / self.calls if self.calls else 0.0


def _success_q() -> Q:
    return exchange_succeeded_q()


def receiving_url_paths() -> list[tuple[str, str]]:
    """The six receiving URLs OneWarehouse needs before it sets up a sandbox: (label, path)."""
    return [(endpoint.label, reverse(f"onewarehouse:{endpoint.value}")) for endpoint in Endpoint]


def console_configuration() -> dict:
    env = settings.ONEWAREHOUSE_ENV
    keys = settings.ONEWAREHOUSE_KEYS.get(env, {})
    return {
        "environment": env,
        "profile": getattr(settings, "ONEWAREHOUSE_PROFILE", ""),
        "base_urls": [(name, settings.ONEWAREHOUSE_KEYS.get(name, {}).get("base_url", ""),
                       settings.ONEWAREHOUSE_ADMIN_URLS.get(name, ""), name == env) for name in ENVIRONMENTS],
        "signature_mode": signature_mode_active(),
        "push_key_configured": bool(keys.get("push_app_key") and keys.get("push_app_secret")),
        "callback_key_configured": bool(keys.get("app_key") and keys.get("app_secret")),
        "base_url": keys.get("base_url", ""),
        "allowed_ips": settings.ONEWAREHOUSE_ALLOWED_IPS,
        "one_base_url": settings.ONE_BASE_URL,
        "one_tenant_configured": bool(settings.ONE_TENANT),
        "one_key_configured": bool(settings.ONE_API_KEY),
        "simulators_enabled": settings.SIMULATORS_ENABLED,
    }


@dataclass(frozen=True)
class SignatureStatus:
    profile: str  # the wire profile (ONEWAREHOUSE_PROFILE)
    recipe: str  # what pushes are verified with
    from_profile: bool  # ONEWAREHOUSE_SIGNATURE_MODE is empty: the profile's recipe
    outgoing: str  # what our calls are signed with
    allow_list: str  # the allow-list as staff read it
    warning: str  # mode none without an allow-list
    diagnosis: ApiExchange | None  # the latest refused push with a diagnosis, unless a push was accepted since
    unknown_sku: str  # placeholder | refuse


def _allow_list_text(entries: list[str]) -> str:
    shown = [f"{ALLOWED_IPS_KEYWORD} ({len(ONEWAREHOUSE_EGRESS_IPS)} published addresses)"
             if entry.strip().lower() == ALLOWED_IPS_KEYWORD else entry.strip() for entry in entries if entry.strip()]
    return ", ".join(shown)


def signature_status(*, since_days: int = 7) -> SignatureStatus:
    """How pushes are checked, and what the latest refused push says about how they are really signed."""
    mode = signature_mode_active()
    entries = list(settings.ONEWAREHOUSE_ALLOWED_IPS)
    incoming = ApiExchange.objects.filter(integration=ONEWAREHOUSE, direction=ApiExchange.Direction.INCOMING,
                                          created_at__gte=timezone.now() - timedelta(days=since_days))
    diagnosed = incoming.exclude(signature_diagnosis="").order_by("-pk").first()
    if diagnosed is not None and incoming.filter(pk__gt=diagnosed.pk, signature_verdict="valid").exists():
        diagnosed = None  # the configuration was corrected since
    return SignatureStatus(
        profile=settings.ONEWAREHOUSE_PROFILE, recipe=mode,
        from_profile=not (settings.ONEWAREHOUSE_SIGNATURE_MODE or "").strip(),
        outgoing=outgoing_mode_active(), allow_list=_allow_list_text(entries),
        warning=NONE_WITHOUT_ALLOW_LIST if mode == SignatureMode.NONE and not allowed_networks(entries) else "",
        diagnosis=diagnosed, unknown_sku=unknown_sku_policy(),
    )


def placeholders_waiting(*, limit: int = 50) -> tuple[int, list[Product]]:
    """Products an order created before their sync arrived, still awaiting their data: (how many, the oldest)."""
    waiting = products_awaiting_data()
    return waiting.count(), list(waiting[:limit])


def endpoint_health(*, since_days: int = 7) -> list[EndpointHealth]:
    """Calls, failures, last call and last success per endpoint over the last ``since_days`` days (one query)."""
    since = timezone.now() - timedelta(days=since_days)
    rows = (
        ApiExchange.objects.filter(created_at__gte=since)
        .values("integration", "direction", "endpoint")
        .annotate(calls=Count("pk"), successes=Count("pk", filter=_success_q()), last_call_at=Max("created_at"),
                  last_success_at=Max("created_at", filter=_success_q()))
        .order_by("integration", "direction", "endpoint")
    )
    return [
        EndpointHealth(integration=r["integration"], direction=r["direction"], endpoint=r["endpoint"],
                       calls=r["calls"], failures=r["calls"] - r["successes"], last_call_at=r["last_call_at"],
                       last_success_at=r["last_success_at"])
        for r in rows
    ]


# After the switch (the guide's "Release and official go-live"), in production: (step, direction, endpoint);
# a direction of None means any push from OneWarehouse.
PRODUCTION_STEPS = (
    ("First push from OneWarehouse's production accepted", IN, None),
    ("First real outbound order received", IN, "outbound_create"),
    ("Its shipping label fetched", OUT, "shipping_label"),
    ("First real order shipped and its callback accepted", OUT, "outbound_callback"),
)


def _succeeded(environment: str) -> set[tuple[str, str]]:
    """(direction, endpoint) pairs that succeeded at least once in ``environment``."""
    return set(ApiExchange.objects.filter(_success_q(), integration="onewarehouse", environment=environment)
               .values_list("direction", "endpoint").distinct())


def _done(succeeded: set, direction, endpoint) -> bool:
    if endpoint is None:
        return any(d == direction for d, _e in succeeded)
    return (direction, endpoint) in succeeded


def go_live_checklist(*, environment: str = SANDBOX) -> list[dict]:
    """Each step of the guide for ``environment``, done when that environment's request log has seen it succeed:
    the sandbox's self-test sequence, or production's first real order (it ends with "first real order shipped and
    its callback accepted")."""
    succeeded = _succeeded(environment)
    steps = GO_LIVE_STEPS if environment == SANDBOX else PRODUCTION_STEPS
    return [{"step": step, "endpoint": endpoint or "any push", "done": _done(succeeded, direction, endpoint)}
            for step, direction, endpoint in steps]


def go_live_checklists() -> dict[str, list[dict]]:
    return {environment: go_live_checklist(environment=environment) for environment in ENVIRONMENTS}


def go_live_runbook(checklists: dict[str, list[dict]] | None = None) -> list[dict]:
    """The access guide's steps from sandbox to production, each ticked from the request log (the production
    keys from the configuration: they are handed over, not logged)."""
    checklists = checklists or go_live_checklists()
    logged = ApiExchange.objects.filter(integration="onewarehouse", direction=IN)
    production_keys = settings.ONEWAREHOUSE_KEYS.get(PRODUCTION, {})
    admin_url = settings.ONEWAREHOUSE_ADMIN_URLS.get(SANDBOX, "")
    return [
        {"step": "Give OneWarehouse the six receiving URLs (above); they set up the sandbox in about 2 working "
                 "days", "evidence": "a push arrived in the sandbox",
         "done": logged.filter(environment=SANDBOX).exists()},
        {"step": f"Log in to the sandbox client{f' ({admin_url})' if admin_url else ''} with the test account",
         "evidence": "a sandbox push was accepted",
         "done": logged.filter(_success_q(), environment=SANDBOX).exists()},
        {"step": "Self-test every flow in the guide's order (the sandbox checklist)",
         "evidence": "every sandbox step succeeded", "done": all(s["done"] for s in checklists[SANDBOX])},
        {"step": "Apply for production; OneWarehouse hands over the production AppKey/AppSecret and client link",
         "evidence": "production keys and base URL configured",
         "done": bool(production_keys.get("app_key") and production_keys.get("app_secret")
                      and production_keys.get("base_url"))},
        {"step": "Switch: ONEWAREHOUSE_ENV=production, and OneWarehouse points its pushes at our production domain",
         "evidence": "a production push was accepted", "done": checklists[PRODUCTION][0]["done"]},
        {"step": "First-order verification with OneWarehouse", "evidence": "first real order shipped and its "
                                                                          "callback accepted",
         "done": checklists[PRODUCTION][-1]["done"]},
    ]


def outbox_environment_counts() -> dict:
    """OneWarehouse's outbox messages held after a switch, and unsent ones of another environment than the
    active one (the dispatcher holds them when it reaches them)."""
    messages = OutboxMessage.objects.filter(kind__in=list(SENDERS))
    Status = OutboxMessage.Status
    return {
        "held": messages.filter(status=Status.HELD).count(),
        "other_environment_unsent": messages.filter(
            status__in=[Status.PENDING, Status.SENDING, Status.FAILED]).exclude(
            environment=settings.ONEWAREHOUSE_ENV).count(),
    }


def _count_per_owner(model) -> Coalesce:
    # A subquery per relation: counting through three joins at once would multiply the rows.
    counted = (model.objects.filter(owner=OuterRef("pk")).order_by().values("owner")
               .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def merchants_new(*, since_days: int = 7) -> list[Owner]:
    """Merchants first seen in the last ``since_days`` days, newest first, with what they have so far.

    A push naming an unknown ``owner_code`` creates its merchant silently (OneWarehouse onboards merchants without
    telling us); this is where staff notice one."""
    since = timezone.now() - timedelta(days=since_days)
    return list(
        Owner.objects.filter(created_at__gte=since)
        .annotate(products_count=_count_per_owner(Product), inbound_count=_count_per_owner(InboundOrder),
                  outbound_count=_count_per_owner(OutboundOrder))
        .order_by("-created_at", "-pk")
    )
