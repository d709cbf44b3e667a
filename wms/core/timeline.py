"""The orders' timeline, read: an order's events (``OrderEvent``) merged by time with what other parts know about
the order, newest first, for its admin page.

The order's calls to a peer (``wms.outbox``) and the request log rows about it (``integrations.apilog``) are not
``core``'s to read, and ``wms`` never imports an integration: each registers a contributor in its
``AppConfig.ready()`` (``timeline_contributor_register``), as the outbox's senders are registered.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from .actors import SYSTEM_PREFIX
from .models import OrderEvent


@dataclass(frozen=True)
class TimelineEntry:
    """One line of an order's timeline, in words: when, what (and its detail), who, from where."""

    at: datetime
    what: str
    detail: str = ""
    who: str = ""
    source: str = ""
    category: str = "event"  # "event" (the order's own), "call" (outbox), "request" (request log)
    tone: str = ""  # "", "ok", "warning" or "error"
    url: str = ""  # the row's own admin page, when the viewer may open it
    order: int = 0  # among entries of the same time: the later one shows first


# contributor(order_type=, order_id=, order_no=, viewer=) -> its entries of that order
Contributor = Callable[..., list[TimelineEntry]]
_contributors: dict[str, Contributor] = {}

# How the system actors read on a timeline (others: their name).
SYSTEM_WORDS = {"onewarehouse": "OneWarehouse", "backorders": "backorder task", "outbox": "outbox"}


def timeline_contributor_register(name: str, contributor: Contributor) -> None:
    _contributors[name] = contributor


def timeline_contributor_unregister(name: str) -> None:
    _contributors.pop(name, None)


def actor_words(actor: str) -> str:
    """``system:onewarehouse`` -> "OneWarehouse (system)", ``system:command:x`` -> "command x"; a username as is."""
    if not actor.startswith(SYSTEM_PREFIX):
        return actor
    name = actor.removeprefix(SYSTEM_PREFIX)
    if name.startswith("command:"):
        return f"command {name.removeprefix('command:')}"
    return f"{SYSTEM_WORDS.get(name, name)} (system)"


def order_events_for(*, order_type: str, order_id: int) -> QuerySet[OrderEvent]:
    return OrderEvent.objects.filter(order_type=order_type, order_id=order_id).order_by("-created_at", "-pk")


def _event_entry(event: OrderEvent) -> TimelineEntry:
    source = event.get_source_display()
    if event.source_detail:
        source = f"{source}: {event.source_detail}"
    if event.exchange_id:
        source = f"{source} (request log #{event.exchange_id})"
    return TimelineEntry(at=event.created_at, what=event.get_kind_display(), detail=event.summary,
                         who=actor_words(event.actor), source=source, category="event", order=event.pk)


def order_timeline(*, order_type: str, order_id: int, order_no: str, viewer=None,
                   limit: int = 300) -> list[TimelineEntry]:
    """Everything about an order, newest first: its events and each contributor's entries (at most ``limit``
    of each source; a long-lived order's oldest entries are left out, never its newest)."""
    entries = [_event_entry(event) for event in order_events_for(order_type=order_type, order_id=order_id)[:limit]]
    for contributor in _contributors.values():
        entries.extend(contributor(order_type=order_type, order_id=order_id, order_no=order_no,
                                   viewer=viewer)[:limit])
    return sorted(entries, key=lambda entry: (entry.at, entry.order), reverse=True)
