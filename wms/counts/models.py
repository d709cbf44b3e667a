"""Cycle counts: a task to count one bin, counted blind on the floor, a variance approved by a Supervisor.

A task's lines keep what was counted and what the system held at that moment (``expected``, never shown to the
counter); the approval books the difference at the bin as ADJUST moves (wms.inventory.services.stock_adjust).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from wms.catalog.models import Product
from wms.inventory.models import AdjustReason, Location


class CountTask(models.Model):
    class State(models.TextChoices):
        OPEN = "OPEN", "To count"
        COUNTED = "COUNTED", "Counted: variance awaits approval"
        APPROVED = "APPROVED", "Closed"
        REJECTED = "REJECTED", "Rejected: recounted"

    class Origin(models.TextChoices):
        REQUEST = "REQUEST", "Requested"
        AGE = "AGE", "Not counted for a while"
        SHORT_PICK = "SHORT_PICK", "Short pick"

    LIVE_STATES = (State.OPEN, State.COUNTED)
    # A count without variance closes at once (OPEN -> APPROVED, no approver); one with a variance waits.
    TRANSITIONS = {
        State.OPEN: frozenset({State.COUNTED, State.APPROVED}),
        State.COUNTED: frozenset({State.APPROVED, State.REJECTED}),
        State.APPROVED: frozenset(),
        State.REJECTED: frozenset(),
    }

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="count_tasks")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    origin = models.CharField(max_length=12, choices=Origin.choices)
    note = models.CharField(max_length=255, blank=True, help_text="Why the bin is counted (e.g. the short pick).")
    recount_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="recounts")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_actor = models.CharField(max_length=160, help_text="Who asked: a username, or system:<name>.")
    started_at = models.DateTimeField(null=True, blank=True, help_text="When the counter scanned the bin.")
    counted_at = models.DateTimeField(null=True, blank=True)
    counted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True, help_text="Closed: approved, or no variance.")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    reason_code = models.CharField(max_length=20, choices=AdjustReason.choices, blank=True,
                                   help_text="The Supervisor's reason for booking the variance.")
    reason_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # At most one live task per bin: a request, the age sweep and a short pick never count a bin twice.
            models.UniqueConstraint(fields=["location"], condition=Q(state__in=["OPEN", "COUNTED"]),
                                    name="count_task_one_live_per_location"),
            models.CheckConstraint(condition=~Q(reason_code="OTHER") | ~Q(reason_note=""),
                                   name="count_task_other_reason_has_note"),
            models.CheckConstraint(condition=~Q(state="COUNTED") | Q(counted_at__isnull=False),
                                   name="count_task_counted_has_time"),
        ]

    def __str__(self) -> str:
        return f"count #{self.pk} of {self.location.code}"


class CountLine(models.Model):
    """One product at the bin: ``counted`` as the counter found it; ``expected``, the bin's quantity when the count
    was submitted (hidden from the counter)."""

    task = models.ForeignKey(CountTask, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    counted = models.PositiveIntegerField(null=True, blank=True)
    expected = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["task", "product"], name="count_line_product_once"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.product_id}"

    @property
    def variance(self) -> int | None:
        if self.counted is None or self.expected is None:
            return None
        return self.counted - self.expected
