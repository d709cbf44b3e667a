"""Cycle counts: open a task for a bin (on request, when the bin is due, after a short pick), count it blind, close
it when nothing differs, else a Supervisor books the variance (ADJUST moves at the bin) or has it recounted.

Concurrency: the counter counts a bin while picks may still take units from it. The variance is therefore fixed
when the count is submitted, against the bin's quantity at that moment (``CountLine.expected``), and approval books
it as a *delta* at the bin, whatever happened since: a pick after the count keeps its units, and the count corrects
only what the counter found different. A delta that would leave the bin (or the level) negative, or below what is
reserved, is refused by ``stock_adjust`` on the locked rows (and by the CHECK constraints as the last line); the
Supervisor then rejects the count, which opens a recount.

Lock order (wms.core.db): the count task (a root), then the Location row (block / unblock), then the stock levels
and location stocks that ``stock_adjust`` locks.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from wms.catalog.selectors import product_find_by_code
from wms.core.actors import actor_name, actor_user
from wms.core.db import atomic_with_retry, lock_for_update
from wms.core.errors import DomainValidationError, InvalidTransition
from wms.core.roles import COUNT_REQUEST_ROLES, COUNT_ROLES, role_require
from wms.core.transitions import transition_check
from wms.inventory.models import AdjustReason, Location, LocationStock, StockLevel
from wms.inventory.services import ADJUST_ROLES, location_block, location_count_close, stock_adjust

from .models import CountLine, CountTask

State = CountTask.State
Origin = CountTask.Origin
# Any location but packing (its units belong to picked orders) may be counted on request or after a short pick;
# the age rule counts the bins and quarantine (the dock empties with each putaway).
COUNTABLE_KINDS = (Location.Kind.STORAGE, Location.Kind.PICK_FACE, Location.Kind.QUARANTINE, Location.Kind.RECEIVING)
DUE_KINDS = (Location.Kind.STORAGE, Location.Kind.PICK_FACE, Location.Kind.QUARANTINE)


def _locked(task_id: int) -> CountTask:
    return lock_for_update(CountTask.objects.select_related("location")).get(pk=task_id)


def _move(task: CountTask, target: str) -> None:
    transition_check(table=CountTask.TRANSITIONS, entity="Count task", number=str(task.pk), current=task.state,
                     target=target)
    task.state = target


def _task_open(*, location: Location, origin: str, note: str, actor, recount_of: CountTask | None = None,
               product_ids=()) -> tuple[CountTask, bool]:
    """The bin's live task, or a new one with a line per product the bin holds (and ``product_ids``)."""
    live = CountTask.objects.filter(location=location, state__in=CountTask.LIVE_STATES).first()
    if live is not None:
        return live, False
    try:
        with transaction.atomic():
            task = CountTask.objects.create(location=location, origin=origin, note=(note or "")[:255],
                                            recount_of=recount_of, created_by=actor_user(actor),
                                            created_actor=actor_name(actor))
    except IntegrityError:  # another transaction opened one for this bin at the same moment
        return CountTask.objects.get(location=location, state__in=CountTask.LIVE_STATES), False
    held = set(LocationStock.objects.filter(location=location, quantity__gt=0).values_list("product_id", flat=True))
    CountLine.objects.bulk_create([CountLine(task=task, product_id=pid) for pid in sorted(held | set(product_ids))])
    return task, True


def _countable_check(location: Location) -> None:
    if location.kind not in COUNTABLE_KINDS:
        raise DomainValidationError(f"{location.code} is a {location.get_kind_display().lower()} location: its units "
                                    "belong to picked orders and are not counted", errors={"location": [location.code]})


@atomic_with_retry
def count_tasks_request(*, location_ids: list[int], actor) -> list[CountTask]:
    """A Supervisor asks for these bins to be counted (the Locations list's action); a bin with a live task keeps
    it. Returns the tasks opened."""
    role_require(actor=actor, roles=COUNT_REQUEST_ROLES, action="Requesting a count")
    opened = []
    for location in Location.objects.filter(pk__in=list(location_ids)).order_by("pk"):
        _countable_check(location)
        task, created = _task_open(location=location, origin=Origin.REQUEST, note="", actor=actor)
        if created:
            opened.append(task)
    return opened


def count_tasks_due(*, now=None, days: int | None = None):
    """Active bins holding stock, not counted for ``days`` (COUNT_INTERVAL_DAYS) and with no live task: the
    longest uncounted first (never counted before any)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.COUNT_INTERVAL_DAYS if days is None else days)
    holding = LocationStock.objects.filter(location=OuterRef("pk"), quantity__gt=0)
    live = CountTask.objects.filter(location=OuterRef("pk"), state__in=CountTask.LIVE_STATES)
    return (Location.objects.filter(is_active=True, kind__in=DUE_KINDS)
            .filter(Q(last_counted_at__isnull=True) | Q(last_counted_at__lt=cutoff))
            .filter(Exists(holding)).exclude(Exists(live))
            .order_by(F("last_counted_at").asc(nulls_first=True), "pk"))


@atomic_with_retry
def count_tasks_create_due(*, actor, now=None, days: int | None = None, limit: int | None = None) -> list[CountTask]:
    """The age rule (beat task and ``count_tasks_create_due`` command): a task for each bin due, at most ``limit``
    (COUNT_DUE_PER_RUN) per run, so that a first run on thousands of bins spreads the work over days."""
    role_require(actor=actor, roles=COUNT_REQUEST_ROLES, action="Opening due counts", system=True)
    limit = settings.COUNT_DUE_PER_RUN if limit is None else limit
    opened = []
    for location in count_tasks_due(now=now, days=days)[:limit]:
        task, created = _task_open(location=location, origin=Origin.AGE, note="", actor=actor)
        if created:
            opened.append(task)
    return opened


def count_task_for_short_pick(*, location_id: int, product_ids: list[int], note: str, actor) -> CountTask:
    """A picker found fewer units in a bin than the system says: the bin is blocked (no picking is directed there)
    and counted. Called inside the pick's transaction (wms.outbound), after the order's lock."""
    role_require(actor=actor, roles=COUNT_ROLES, action="Reporting a short bin")
    location = location_block(location_id=location_id, reason=note, actor=actor)
    task, created = _task_open(location=location, origin=Origin.SHORT_PICK, note=note, actor=actor,
                               product_ids=product_ids)
    if not created:  # a live task opened before (a request, the age rule) counts these products too
        known = set(task.lines.values_list("product_id", flat=True))
        CountLine.objects.bulk_create([CountLine(task=task, product_id=pid)
                                       for pid in sorted(set(product_ids) - known)])
    return task


# --- Counting (blind) -----------------------------------------------------------------------------------------

def _open_check(task: CountTask) -> None:
    if task.state != State.OPEN:
        raise InvalidTransition(f"count #{task.pk} of {task.location.code} is {task.get_state_display().lower()}: "
                                "nothing more can be counted", data={"state": task.state})


@transaction.atomic
def count_task_scan(*, task: CountTask, code: str, actor, quantity: int = 1) -> CountLine | None:
    """A scan on the count screen: the bin's barcode starts the count (None is returned); after it, each item's
    code adds ``quantity`` units to that product's line (a product not expected gets a line of its own). Another
    bin, or an item before the bin, is refused by name."""
    role_require(actor=actor, roles=COUNT_ROLES, action="Counting")
    task = _locked(task.pk)
    _open_check(task)
    code = (code or "").strip()
    location = task.location
    if code in (location.barcode, location.code):
        if task.started_at is None:
            task.started_at = timezone.now()
            task.save(update_fields=["started_at"])
        return None
    other = Location.objects.filter(warehouse_id=location.warehouse_id).filter(Q(barcode=code) | Q(code=code)).first()
    if other is not None:
        why = f"That is bin {other.code}; this count is of bin {location.code}"
        raise DomainValidationError(why, errors={"code": [why]})
    _bin_scanned_check(task)
    if quantity <= 0:
        raise DomainValidationError("a scan adds at least one unit", errors={"quantity": [str(quantity)]})
    product = product_find_by_code(code=code)
    if product is None:
        why = f"Unknown code {code!r}: no product has this barcode, SKU code or SKU id"
        raise DomainValidationError(why, errors={"code": [why]})
    line, _ = CountLine.objects.get_or_create(task=task, product=product)
    line.counted = (line.counted or 0) + quantity
    line.save(update_fields=["counted"])
    return line


def _bin_scanned_check(task: CountTask) -> None:
    if task.started_at is None:
        why = f"Scan bin {task.location.code} first"
        raise DomainValidationError(why, errors={"code": [why]})


@transaction.atomic
def count_task_counts_save(*, task: CountTask, counts: dict[int, int], actor) -> CountTask:
    """Typed quantities (absolute, per line id) on the count screen, after the bin was scanned."""
    role_require(actor=actor, roles=COUNT_ROLES, action="Counting")
    task = _locked(task.pk)
    _open_check(task)
    _bin_scanned_check(task)
    lines = {line.pk: line for line in task.lines.all()}
    errors = {f"line.{line_id}": ["Not a line of this count."] for line_id in counts if line_id not in lines}
    errors.update({f"line.{line_id}": ["Cannot be negative."] for line_id, qty in counts.items() if qty < 0})
    if errors:
        raise DomainValidationError("some counts were refused", errors=errors)
    changed = []
    for line_id, qty in counts.items():
        if lines[line_id].counted != qty:
            lines[line_id].counted = qty
            changed.append(lines[line_id])
    CountLine.objects.bulk_update(changed, ["counted"])
    return task


@atomic_with_retry
def count_task_submit(*, task: CountTask, actor) -> CountTask:
    """The counter is done: a line not counted means none found. Each line's ``expected`` is the bin's quantity
    now (and a product the bin holds that the counter never saw gets a line counted 0). No difference: the task
    closes, the bin is unblocked and marked counted. Else COUNTED: a Supervisor approves or rejects it."""
    role_require(actor=actor, roles=COUNT_ROLES, action="Counting")
    task = _locked(task.pk)
    _open_check(task)
    _bin_scanned_check(task)
    held = dict(LocationStock.objects.filter(location_id=task.location_id).values_list("product_id", "quantity"))
    lines = {line.product_id: line for line in task.lines.all()}
    missing = [CountLine(task=task, product_id=pid, counted=0) for pid, qty in held.items()
               if qty and pid not in lines]
    for line in CountLine.objects.bulk_create(missing):
        lines[line.product_id] = line
    for line in lines.values():
        line.counted = line.counted or 0
        line.expected = held.get(line.product_id, 0)
    CountLine.objects.bulk_update(lines.values(), ["counted", "expected"])
    now = timezone.now()
    task.counted_at, task.counted_by = now, actor_user(actor)
    if any(line.variance for line in lines.values()):
        _move(task, State.COUNTED)
        task.save(update_fields=["state", "counted_at", "counted_by"])
    else:
        _move(task, State.APPROVED)
        task.approved_at = now
        task.save(update_fields=["state", "counted_at", "counted_by", "approved_at"])
        location_count_close(location_id=task.location_id, counted_at=now, actor=actor)
    return task


# --- Approval ---------------------------------------------------------------------------------------------------

def _counted_check(task: CountTask, doing: str) -> None:
    if task.state != State.COUNTED:
        raise InvalidTransition(f"{doing} count #{task.pk} is impossible: it is {task.get_state_display().lower()}",
                                data={"state": task.state})


@atomic_with_retry
def count_task_approve(*, task: CountTask, reason: str, actor, note: str = "") -> CountTask:
    """A Supervisor books the variance: one ADJUST (ADJUST_DAMAGED in quarantine) move per differing line at the
    bin, by the delta found at count time (see the module's doc); the bin is unblocked and marked counted. Refused as
    a whole, naming the product, if a delta cannot be booked now."""
    role_require(actor=actor, roles=ADJUST_ROLES, action="Approving a count")
    note = (note or "").strip()
    if reason not in AdjustReason.values:
        raise DomainValidationError("a count's variance needs a reason",
                                    errors={"reason": [f"Choose one of {', '.join(AdjustReason.values)}."]})
    if reason == AdjustReason.OTHER and not note:
        raise DomainValidationError("a variance for another reason needs a note",
                                    errors={"note": ["Required when the reason is Other."]})
    task = _locked(task.pk)
    _counted_check(task, "Approving")
    location = task.location
    # The bin's row before the levels (the lock order): unblocked and marked counted, undone if a delta is refused.
    location_count_close(location_id=location.pk, counted_at=task.counted_at, actor=actor)
    lines = [line for line in task.lines.select_related("product") if line.variance]
    # Adjusted in the order of their levels' keys: two approvals never wait for each other's levels in a cycle.
    level_order = dict(StockLevel.objects.filter(warehouse_id=location.warehouse_id,
                                                 product_id__in=[ln.product_id for ln in lines])
                       .values_list("product_id", "pk"))
    for line in sorted(lines, key=lambda ln: (level_order.get(ln.product_id, 0), ln.product_id)):
        stock_adjust(warehouse_id=location.warehouse_id, product_id=line.product_id, quantity=line.variance,
                     reason=reason, note=note or f"count #{task.pk} of {location.code}", actor=actor,
                     damaged=location.kind == Location.Kind.QUARANTINE, location_id=location.pk)
    _move(task, State.APPROVED)
    task.approved_at, task.approved_by = timezone.now(), actor_user(actor)
    task.reason_code, task.reason_note = reason, note
    task.save(update_fields=["state", "approved_at", "approved_by", "reason_code", "reason_note"])
    return task


@atomic_with_retry
def count_task_reject(*, task: CountTask, actor, note: str = "") -> CountTask:
    """A Supervisor does not trust the count: it is closed as rejected and a recount of the bin is opened (the bin
    stays blocked if it was). Returns the recount task."""
    role_require(actor=actor, roles=ADJUST_ROLES, action="Rejecting a count")
    task = _locked(task.pk)
    _counted_check(task, "Rejecting")
    _move(task, State.REJECTED)
    task.rejected_at, task.rejected_by = timezone.now(), actor_user(actor)
    task.reason_note = (note or "").strip()[:500]
    task.save(update_fields=["state", "rejected_at", "rejected_by", "reason_note"])
    recount, _ = _task_open(location=task.location, origin=task.origin, actor=actor, recount_of=task,
                            note=f"recount of #{task.pk}" + (f": {task.reason_note}" if task.reason_note else ""),
                            product_ids=task.lines.values_list("product_id", flat=True))
    return recount
