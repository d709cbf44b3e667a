from django.db import models
from django.db.models import Q


class OutboxMessage(models.Model):
    """An outgoing call, written in the transaction of the state change that calls for it.

    A Celery task sends it after commit; a beat sweep sends what is due if that task was lost (Redis down, worker
    killed). Messages of one aggregate go out in order: one is not sent while an earlier one is unsent.

    A message records the peer environment it was written for (``environment``, e.g. OneWarehouse's sandbox or
    production; blank for a peer that has only one). The dispatcher never sends it to another one: after a switch
    it is HELD with the reason, until a Supervisor discards it or re-targets it to the environment now active.
    """

    class Kind(models.TextChoices):
        INBOUND_CALLBACK = "INBOUND_CALLBACK", "Inbound order callback"
        SHIPPING_LABEL = "SHIPPING_LABEL", "Get shipping label"
        OUTBOUND_CALLBACK = "OUTBOUND_CALLBACK", "Outbound order callback"
        ONE_STOCK_PUSH = "ONE_STOCK_PUSH", "ONE stock push"

    class Aggregate(models.TextChoices):
        """What a message belongs to (with ``aggregate_id``, its pk): the unit that is sent in order.

        Not the field's choices, so that a new type needs no migration; the stored values must not change."""

        INBOUND_ORDER = "inbound_order", "Inbound order"
        # The label request and the ship callback are both of the order: the callback can never overtake the label.
        OUTBOUND_ORDER = "outbound_order", "Outbound order"
        ONE_SYNC_RUN = "one_sync_run", "ONE sync run"

    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        SENDING = "SENDING", "Sending"
        SENT = "SENT", "Sent"
        FAILED = "FAILED", "Failed, will retry"
        DEAD = "DEAD", "Dead, needs staff"
        HELD = "HELD", "Held: written for another environment"
        DISCARDED = "DISCARDED", "Discarded by a Supervisor"

    kind = models.CharField(max_length=40, choices=Kind.choices)
    aggregate_type = models.CharField(max_length=40)
    aggregate_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker holds the message until then; after, the sweep may take it.")
    last_error = models.TextField(blank=True)
    environment = models.CharField(
        max_length=20, blank=True, db_index=True,
        help_text="The peer environment the message was written for (blank: the peer has only one).")
    environment_note = models.TextField(
        blank=True, help_text="Why the message is held, and who discarded or re-targeted it.")
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["aggregate_type", "aggregate_id", "id"], name="outbox_aggregate"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="SENT") | Q(sent_at__isnull=False), name="outbox_sent_has_sent_at"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.aggregate_type}:{self.aggregate_id} {self.status}"
