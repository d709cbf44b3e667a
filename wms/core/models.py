from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class OrderEvent(models.Model):
    """One thing that happened to an order (inbound or outbound): the orders' ledger, as StockMove is stock's.

    Written in the transaction of the change it records (``wms.core.events``), never edited or deleted: a change
    that is rolled back leaves no event. The order is named as StockMove names its reference, by type and id (and
    its number, for search), so that one table serves both order apps without ``core`` importing them.
    """

    class OrderType(models.TextChoices):
        # The values are OutboxMessage.Aggregate's, so an order's calls are found by the same key.
        INBOUND = "inbound_order", "Inbound order"
        OUTBOUND = "outbound_order", "Outbound order"

    class Kind(models.TextChoices):
        CREATED = "CREATED", "Created"
        UPDATED = "UPDATED", "Changed by a push"
        STATUS = "STATUS", "Status changed"
        COUNTS_SAVED = "COUNTS_SAVED", "Receipt counts saved"
        PICKS_SAVED = "PICKS_SAVED", "Units picked"
        BIN_SHORT = "BIN_SHORT", "Bin reported short"
        PUT_AWAY = "PUT_AWAY", "Units put away"
        SHORT_PICK_REPORTED = "SHORT_PICK_REPORTED", "Short pick reported"
        SHORT_PICK_RESOLVED = "SHORT_PICK_RESOLVED", "Short pick resolved"
        LABEL_REQUESTED = "LABEL_REQUESTED", "Shipping label requested"
        LABEL_REFETCH_REQUESTED = "LABEL_REFETCH_REQUESTED", "Label requested again (reprint)"
        LABEL_STORED = "LABEL_STORED", "Label stored again"
        CALLBACK_RETRIED = "CALLBACK_RETRIED", "Callback retried"
        CANCEL_ASKED = "CANCEL_ASKED", "Cancellation asked again"
        PUT_BACK_CONFIRMED = "PUT_BACK_CONFIRMED", "Put back confirmed"

    class Source(models.TextChoices):
        SCREEN = "SCREEN", "Staff screen"
        PUSH = "PUSH", "Push from a peer"
        TASK = "TASK", "Background task"
        COMMAND = "COMMAND", "Command"
        SYSTEM = "SYSTEM", "System"

    order_type = models.CharField(max_length=20, choices=OrderType.choices)
    order_id = models.PositiveBigIntegerField()
    order_no = models.CharField(max_length=64)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    summary = models.CharField(max_length=500, help_text="What happened, in words staff read.")
    actor = models.CharField(max_length=150, help_text="The username, or system:<name> (wms.core.actors).")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    source_detail = models.CharField(max_length=200, blank=True,
                                     help_text="Which screen, push, task or command.")
    exchange_id = models.BigIntegerField(
        null=True, blank=True, help_text="The request log row of the push that did it (no foreign key: the "
                                         "request log is an integration's, and is pruned).")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["order_type", "order_id", "created_at"], name="order_event_order"),
                   models.Index(fields=["order_no"], name="order_event_order_no")]  # no LIKE copy
        constraints = [
            models.CheckConstraint(condition=~Q(kind="STATUS") | ~Q(to_status=""),
                                   name="order_event_status_has_target"),
        ]

    def __str__(self) -> str:
        return f"{self.order_no}: {self.summary}"
