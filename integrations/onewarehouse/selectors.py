"""Reads about OneWarehouse's traffic for the Supervisor's console.

``payload_drift``: how the recent pushes compare with the active profile, per receiving URL. Fields that arrive
but the profile does not read (a name we got wrong, or something new), and optional fields the profile reads
that never arrive (a name OneWarehouse spells otherwise): how the first sandbox pushes tell what the real payload
carries. Read from the request log's stored bodies (field names are never masked, only secret values).
"""

import json
from collections import Counter
from dataclasses import dataclass

from integrations.apilog.models import ApiExchange

from .mapping import Endpoint
from .profiles import profile_active
from .services import INTEGRATION

DRIFT_SAMPLE = 200  # the most recent pushes read per URL


@dataclass(frozen=True)
class EndpointDrift:
    endpoint: str
    label: str
    pushes: int  # pushes read (JSON objects among the most recent DRIFT_SAMPLE)
    ignored: list[tuple[str, int]]  # (field path, in how many pushes), received but not read by the profile
    never_received: list[str]  # optional fields the profile reads that none of the pushes carried

    @property
    def drifting(self) -> bool:
        return bool(self.ignored or (self.pushes and self.never_received))


def payload_paths(value, prefix: str = "") -> set[str]:
    """The field paths of a JSON object: ``recipient.city``; a list's objects give ``items.sku_id`` (no index)."""
    paths = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}{key}"
            paths.add(path)
            paths |= payload_paths(item, f"{path}.")
    elif isinstance(value, list):
        for item in value:
            paths |= payload_paths(item, prefix)
    return paths


def _bodies(endpoint: str) -> list[dict]:
    rows = (ApiExchange.objects.filter(integration=INTEGRATION, direction=ApiExchange.Direction.INCOMING,
                                       endpoint=endpoint, method="POST", replay_of__isnull=True)
            .order_by("-created_at", "-pk").values_list("request_body", flat=True)[:DRIFT_SAMPLE])
    bodies = []
    for text in rows:
        try:
            body = json.loads(text)
        except (TypeError, ValueError):
            continue
        if isinstance(body, dict):
            bodies.append(body)
    return bodies


def payload_drift() -> list[EndpointDrift]:
    """Per receiving URL, the most recent pushes against the active profile's serializers."""
    profile = profile_active()
    report = []
    for endpoint in Endpoint:
        bodies = _bodies(endpoint)
        seen: Counter[str] = Counter()
        for body in bodies:
            seen.update(payload_paths(body))
        known = profile.known_fields(endpoint)
        ignored = sorted(((path, count) for path, count in seen.items() if path not in known),
                         key=lambda pair: (-pair[1], pair[0]))
        # An optional field is missed only where its parent object arrives (a single product is not a batch).
        never = sorted(path for path in profile.optional_fields(endpoint)
                       if path not in seen and ("." not in path or path.rsplit(".", 1)[0] in seen)) if bodies else []
        report.append(EndpointDrift(endpoint=endpoint.value, label=endpoint.label, pushes=len(bodies),
                                    ignored=ignored, never_received=never))
    return report
