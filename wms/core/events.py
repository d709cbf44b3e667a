"""The orders' timeline, written: one ``OrderEvent`` row per state change or staff action, in the change's own
transaction (a rolled-back change leaves no event), one INSERT each.

Who did it is the service's ``actor`` (``wms.core.actors``), always passed explicitly. *From where* (which admin
screen, which push and its request log row, which task or command) is not a business argument, so the entry point
says it once for everything done under it: the admin's requests through :class:`EventSourceMiddleware`, a push
through ``event_source(...)`` around its domain call, a Celery task through the task signals connected in
``wms/celery.py``. Where nobody said, the source follows from the actor (``system:command:<name>`` is that
command; another system actor is the system; a user without a screen is "admin").

Status changes are recorded by the order type's ``Flow.move`` (``wms.core.transitions``), other steps by
``Flow.record`` in their service: an order's events are written in one place per step.
"""

import contextlib
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property

from django.apps import apps as django_apps

from .actors import SYSTEM_PREFIX, actor_name, actor_user
from .models import OrderEvent
from .statements import rows_insert

Source = EventSourceKind = OrderEvent.Source
COMMAND_PREFIX = f"{SYSTEM_PREFIX}command:"


@dataclass(frozen=True)
class EventSource:
    """Where the steps in progress come from: a ``Source`` and which one (a screen, a push, a task, a command)."""

    kind: str
    detail: str = ""
    # The push's request log row, or a function that names it once it is written (read when the events are).
    exchange_id: int | Callable[[], int | None] | None = None


_source: ContextVar["EventSource | _RequestSource | None"] = ContextVar("wms_event_source", default=None)
# Events recorded inside ``order_events_together()`` wait here and are written in one INSERT when it ends.
_pending: ContextVar[list[OrderEvent] | None] = ContextVar("wms_order_events_pending", default=None)


@contextlib.contextmanager
def event_source(*, kind: str, detail: str = "", exchange_id: int | Callable[[], int | None] | None = None):
    """Every event recorded inside names this source (e.g. a push with its request log row)."""
    token = _source.set(EventSource(kind=kind, detail=detail[:200], exchange_id=exchange_id))
    try:
        yield
    finally:
        _source.reset(token)


def event_source_current(actor) -> EventSource:
    """The source set by the entry point, else the one the actor implies."""
    current = _source.get()
    if current is not None:
        return current
    name = actor_name(actor)
    if name.startswith(COMMAND_PREFIX):
        return EventSource(kind=Source.COMMAND, detail=f"manage.py {name.removeprefix(COMMAND_PREFIX)}")
    if name.startswith(SYSTEM_PREFIX):
        return EventSource(kind=Source.SYSTEM, detail=name.removeprefix(SYSTEM_PREFIX))
    return EventSource(kind=Source.SCREEN, detail="admin")


def _events_insert(events: list[OrderEvent]) -> None:
    for event in events:
        if callable(event.exchange_id):  # the push's log row, written since
            event.exchange_id = event.exchange_id()
    if events:
        rows_insert(events)


@contextlib.contextmanager
def order_events_together(*, write: Callable[[list[OrderEvent]], None] = _events_insert):
    """The events recorded inside are written together in one INSERT at the end of the block (which must be inside
    the change's transaction): e.g. an order created and allocated by one push is one statement, not two.

    ``write(events)`` writes them instead (called even with none): the intake writes its log row and the push's
    events in one statement. Inside another such block, the outer one writes."""
    if _pending.get() is not None:  # already inside a batch: the outer one writes
        yield
        return
    events: list[OrderEvent] = []
    token = _pending.set(events)
    try:
        yield
    finally:
        _pending.reset(token)
    write(events)


def order_event_record(*, order_type: str, order_id: int, order_no: str, kind: str, actor, summary: str,
                       from_status: str = "", to_status: str = "") -> OrderEvent:
    """Write one event of an order as ``actor``, from the current source (one INSERT, or one row of a batch)."""
    source = event_source_current(actor)
    event = OrderEvent(
        order_type=order_type, order_id=order_id, order_no=order_no[:64], kind=kind, from_status=from_status,
        to_status=to_status, summary=summary[:500], actor=actor_name(actor)[:150], user=actor_user(actor),
        source=source.kind, source_detail=source.detail[:200], exchange_id=source.exchange_id,
    )
    pending = _pending.get()
    if pending is not None:
        pending.append(event)
    else:
        _events_insert([event])
    return event


# --- Entry points ---------------------------------------------------------------------------------------------

def _screen_name(request) -> str:
    """An admin URL in words: "Outbound order › pick", "Outbound orders list › allocate" (a list action)."""
    match = request.resolver_match
    name = (match.url_name or "") if match else ""
    for model in django_apps.get_models():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if not name.startswith(prefix):
            continue
        rest = name.removeprefix(prefix)
        if rest == "changelist":
            action = request.POST.get("action", "") if request.method == "POST" else ""
            screen = f"{model._meta.verbose_name_plural.capitalize()} list"
            return f"{screen} › {action.replace('_', ' ')}" if action else screen
        if rest == "change":
            return f"{model._meta.verbose_name.capitalize()} page"
        return f"{model._meta.verbose_name.capitalize()} › {rest.replace('_', ' ')}"
    return request.path[:200]


class _RequestSource:
    """An admin request as an ``EventSource``; its screen is named only when an event asks (most record nothing)."""

    kind = Source.SCREEN
    exchange_id = None

    def __init__(self, request):
        self._request = request

    @cached_property
    def detail(self) -> str:
        return _screen_name(self._request)


class EventSourceMiddleware:
    """The staff's requests: events recorded while serving one name its screen as their source."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _source.set(_RequestSource(request))
        try:
            return self.get_response(request)
        finally:
            _source.reset(token)


_task_tokens: dict[str, object] = {}


def task_source_enter(task_id=None, task=None, **kwargs) -> None:
    """Celery's ``task_prerun``: events recorded by the task name it (connected in ``wms/celery.py``)."""
    name = getattr(task, "name", "") or "task"
    _task_tokens[task_id] = _source.set(EventSource(kind=Source.TASK, detail=name.rsplit(".", 1)[-1]))


def task_source_leave(task_id=None, **kwargs) -> None:
    """Celery's ``task_postrun``."""
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _source.reset(token)
