from django.conf import settings
from django.db import models
from django.db.models import Q

from wms.catalog.models import Owner, Product
from wms.core.models import OrderEvent
from wms.core.transitions import Flow
from wms.inventory.models import Location, Warehouse


class InboundOrder(models.Model):
    class OrderType(models.TextChoices):
        PURCHASE = "PURCHASE", "Purchase"
        RETURN = "RETURN", "Return"

    class Status(models.TextChoices):
        CREATED = "CREATED", "Created"
        RECEIVING = "RECEIVING", "Receiving"
        RECEIVED = "RECEIVED", "Received"
        CANCELLED = "CANCELLED", "Cancelled"

    # The only status changes there are; services check every change against it.
    TRANSITIONS = {
        Status.CREATED: frozenset({Status.RECEIVING, Status.CANCELLED}),
        Status.RECEIVING: frozenset({Status.RECEIVED}),
        Status.RECEIVED: frozenset(),
        Status.CANCELLED: frozenset(),
    }

    inbound_order_no = models.CharField(max_length=64, unique=True)
    order_type = models.CharField(max_length=10, choices=OrderType.choices)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="inbound_orders")
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="inbound_orders")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CREATED, db_index=True)
    expected_arrival_at = models.DateTimeField(null=True, blank=True)
    tracking_no = models.CharField(max_length=100, blank=True)
    carrier = models.CharField(max_length=100, blank=True)
    remark = models.TextField(blank=True)
    original_order_no = models.CharField(max_length=64, blank=True, db_index=True,
                                         help_text="Returns: our outbound order the goods come back from.")
    platform_order_no = models.CharField(max_length=64, blank=True, db_index=True)
    # A fingerprint of the pushed content: the same delivery again is recognised and changes nothing.
    content_hash = models.CharField(max_length=64, blank=True)
    cancel_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    receiving_started_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["warehouse", "status"], name="inbound_wh_status")]

    def __str__(self) -> str:
        return self.inbound_order_no



_S = InboundOrder.Status
# The inbound order's state machine: services move an order only through it, and the admin's buttons ask it.
INBOUND_FLOW = Flow(
    entity="Inbound order", number_field="inbound_order_no", order_type=OrderEvent.OrderType.INBOUND,
    transitions=InboundOrder.TRANSITIONS,
    stamps={_S.RECEIVING: "receiving_started_at", _S.RECEIVED: "received_at", _S.CANCELLED: "cancelled_at"},
    actions={
        "update": frozenset({_S.CREATED}),  # a push may change the order until receiving starts
        "receive": frozenset({_S.CREATED, _S.RECEIVING}),  # counting (again); the first count starts RECEIVING
        "cancel": frozenset({_S.CREATED}),
    },
    refusals={_S.RECEIVING: "receiving has started", _S.RECEIVED: "goods have been received",
              _S.CANCELLED: "it was cancelled"},
)


class InboundOrderLine(models.Model):
    order = models.ForeignKey(InboundOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="inbound_lines")
    expected_qty = models.PositiveIntegerField()
    received_good = models.PositiveIntegerField(default=0)
    received_damaged = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="inbound_line_product_once"),
            models.CheckConstraint(condition=Q(expected_qty__gt=0), name="inbound_line_expected_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}:{self.product_id}"

    @property
    def received_qty(self) -> int:
        return self.received_good + self.received_damaged

    @property
    def difference(self) -> int:
        """Received minus expected: negative is short, positive is over."""
        return self.received_qty - self.expected_qty


class PutawayTask(models.Model):
    """Received units waiting on the dock to go to a bin. Completing it is a TRANSFER dock -> the scanned bin.

    ``suggested_location`` is where the system proposed; ``location`` is where the receiver actually put the units
    (scanned; may differ, and is kept). A partial putaway splits the task: the rest is a new OPEN task
    (``split_from``)."""

    class Status(models.TextChoices):
        OPEN = "OPEN", "To put away"
        DONE = "DONE", "Put away"

    TRANSITIONS = {Status.OPEN: frozenset({Status.DONE}), Status.DONE: frozenset()}

    order = models.ForeignKey(InboundOrder, on_delete=models.PROTECT, related_name="putaway_tasks")
    line = models.ForeignKey("InboundOrderLine", on_delete=models.PROTECT, related_name="putaway_tasks")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    from_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    suggested_location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 help_text="Where the units were put (scanned).")
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN, db_index=True)
    split_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")

    class Meta:
        ordering = ["status", "created_at", "pk"]
        verbose_name = "putaway task"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="putaway_quantity_positive"),
            models.CheckConstraint(
                condition=Q(status="OPEN", location=None, completed_at=None)
                | Q(status="DONE", location__isnull=False, completed_at__isnull=False),
                name="putaway_done_has_location_and_time",
            ),
        ]
        indexes = [models.Index(fields=["warehouse", "status"], name="putaway_wh_status")]

    def __str__(self) -> str:
        return f"putaway {self.pk}: {self.quantity} x {self.product_id}"

    @property
    def went_elsewhere(self) -> bool:
        """Put into another bin than suggested."""
        return bool(self.location_id and self.suggested_location_id and self.location_id != self.suggested_location_id)
