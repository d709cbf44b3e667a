"""One state machine per order type: which status may follow which, the time each status stamps, and in which
statuses each step (staff's or a peer's) may be taken. Services move an order only through ``Flow.move``, and
services and admin buttons ask the same ``Flow.allowed_actions``, so a rule about states lives in one table.

``Flow.move`` also writes the order's timeline event for the change (who, from where: ``wms.core.events``), in the
same transaction; the steps that keep the status record theirs with ``Flow.record``."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils import timezone

from .errors import InvalidTransition
from .events import order_event_record, order_events_together
from .models import OrderEvent


def transition_check(*, table: Mapping[str, frozenset[str]], entity: str, number: str, current: str,
                     target: str) -> None:
    """Raise ``InvalidTransition`` unless ``current -> target`` is in ``table``."""
    if target not in table.get(current, frozenset()):
        raise InvalidTransition(
            f"{entity} {number} cannot go from {current} to {target}",
            data={"status": current, "requested_status": target},
        )


@dataclass(frozen=True)
class Flow:
    """The state machine of one model with a ``status`` field.

    ``transitions``: status -> the statuses that may follow it. ``stamps``: status -> the time field set when an
    object enters it. ``actions``: a step's name -> the statuses in which it may be taken (a step may keep the
    status, e.g. picking more units, so it is not always a transition). ``refusals``: status -> why no step is
    possible any more, for the messages staff and peers read. ``order_type``: the ``OrderEvent.OrderType`` its
    timeline events are kept under.
    """

    entity: str
    number_field: str
    order_type: str
    transitions: Mapping[str, frozenset[str]]
    stamps: Mapping[str, str] = field(default_factory=dict)
    actions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    refusals: Mapping[str, str] = field(default_factory=dict)

    def _number(self, obj) -> str:
        return str(getattr(obj, self.number_field))

    def check(self, obj, target: str) -> None:
        """Refuse (``InvalidTransition``) unless ``obj`` may go to ``target`` now; changes nothing."""
        transition_check(table=self.transitions, entity=self.entity, number=self._number(obj), current=obj.status,
                         target=target)

    def move(self, obj, target: str, *, actor, note: str = "", fields: tuple[str, ...] = (),
             save: bool = True) -> None:
        """Take ``obj`` to ``target`` with its time stamp, as ``actor``; saves the status, the stamp and ``fields``
        (unless ``save`` is False: the caller saves, e.g. with a file) and records the change on the order's
        timeline (``note``: why, or what came with it, in words)."""
        self.check(obj, target)
        words = self.status_words(obj)
        current = obj.status
        summary = f"{words.get(current, current)} → {words.get(target, target)}"
        event = {"kind": OrderEvent.Kind.STATUS, "summary": f"{summary}: {note}" if note else summary,
                 "from_status": current, "to_status": target}
        if obj.pk is None:  # a new order moved before it is written: recorded with its creation (``created``)
            obj.__dict__.setdefault("_flow_unsaved_moves", []).append(event)
        else:
            self.record(obj, actor=actor, **event)
        obj.status = target
        updated = ["status", *fields]
        stamp = self.stamps.get(target)
        if stamp:
            setattr(obj, stamp, timezone.now())
            updated.append(stamp)
        if save:
            obj.save(update_fields=[*dict.fromkeys(updated), "updated_at"])

    @staticmethod
    def status_words(obj) -> dict[str, str]:
        return dict(type(obj)._meta.get_field("status").flatchoices)

    def record(self, obj, *, kind: str, actor, summary: str, from_status: str = "", to_status: str = ""):
        """Write one timeline event of ``obj`` (a step that is not a status change, or ``move``'s)."""
        return order_event_record(order_type=self.order_type, order_id=obj.pk, order_no=self._number(obj), kind=kind,
                                  actor=actor, summary=summary, from_status=from_status, to_status=to_status)

    def created(self, obj, *, actor, summary: str) -> None:
        """Record a new order's creation, and the moves made before it was written, together (one INSERT)."""
        moves = obj.__dict__.pop("_flow_unsaved_moves", [])
        with order_events_together():
            self.record(obj, kind=OrderEvent.Kind.CREATED, actor=actor, summary=summary,
                        to_status=moves[0]["from_status"] if moves else obj.status)
            for event in moves:
                self.record(obj, actor=actor, **event)

    def allowed_actions(self, obj) -> frozenset[str]:
        return frozenset(action for action, statuses in self.actions.items() if obj.status in statuses)

    def allows(self, obj, action: str) -> bool:
        return obj.status in self.actions[action]

    def refusal(self, obj, *, otherwise: str | None = None) -> str:
        """Why a step refused in ``obj``'s status is refused: the status's refusal, else ``otherwise`` (e.g. "it
        is not packed yet"), else the status itself."""
        return self.refusals.get(obj.status) or otherwise or f"it is {obj.status}"

    def action_check(self, obj, action: str, *, doing: str, otherwise: str | None = None) -> None:
        """Refuse ``doing`` (e.g. "Picking") unless ``action`` is allowed in ``obj``'s status, saying why."""
        if self.allows(obj, action):
            return
        why = self.refusal(obj, otherwise=otherwise)
        raise InvalidTransition(f"{doing} for {self.entity.lower()} {self._number(obj)} is impossible: {why}",
                                data={self.number_field: self._number(obj), "status": obj.status, "reason": why})
