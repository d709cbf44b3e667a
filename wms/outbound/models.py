from django.conf import settings
from django.db import models
from django.db.models import F, Q

from wms.catalog.models import Owner, Product
from wms.core.models import OrderEvent
from wms.core.transitions import Flow
from wms.inventory.models import Warehouse

from .labels import label_storage


class OutboundOrder(models.Model):
    class Status(models.TextChoices):
        CREATED = "CREATED", "Created"
        BACKORDERED = "BACKORDERED", "Backordered"
        ALLOCATED = "ALLOCATED", "Allocated"
        PICKING = "PICKING", "Picking"
        PACKED = "PACKED", "Packed"
        LABELLED = "LABELLED", "Labelled"
        SHIPPED = "SHIPPED", "Shipped"
        CANCELLED = "CANCELLED", "Cancelled"

    TRANSITIONS = {
        Status.CREATED: frozenset({Status.ALLOCATED, Status.BACKORDERED, Status.CANCELLED}),
        Status.BACKORDERED: frozenset({Status.ALLOCATED, Status.CANCELLED}),
        Status.ALLOCATED: frozenset({Status.PICKING, Status.CANCELLED}),
        Status.PICKING: frozenset({Status.PACKED, Status.CANCELLED}),
        Status.PACKED: frozenset({Status.LABELLED, Status.CANCELLED}),
        Status.LABELLED: frozenset({Status.SHIPPED, Status.CANCELLED}),
        Status.SHIPPED: frozenset(),
        Status.CANCELLED: frozenset(),
    }

    outbound_order_no = models.CharField(max_length=64, unique=True)
    platform_order_no = models.CharField(max_length=64, blank=True)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="outbound_orders",
                                  db_index=False)  # outbound_wh_status leads with it
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="outbound_orders")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CREATED)

    recipient_name = models.CharField(max_length=200)
    recipient_phone = models.CharField(max_length=50, blank=True)
    recipient_email = models.EmailField(blank=True)
    recipient_country_code = models.CharField(max_length=2)
    recipient_state = models.CharField(max_length=100, blank=True)
    recipient_city = models.CharField(max_length=100)
    recipient_district = models.CharField(max_length=100, blank=True)
    recipient_address1 = models.CharField(max_length=255)
    recipient_address2 = models.CharField(max_length=255, blank=True)
    recipient_zip_code = models.CharField(max_length=20, blank=True)

    logistics_provider_code = models.CharField(max_length=50)
    logistics_provider_name = models.CharField(max_length=100, blank=True)
    logistics_service_code = models.CharField(max_length=50, blank=True)
    tracking_no = models.CharField(max_length=100, blank=True)

    cod_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, blank=True)
    remark = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64, blank=True)

    # In a private storage (no URL); the name is ours (label-<pk>-<random>.<ext>), never the order number's.
    label_file = models.FileField(upload_to="%Y/%m/", storage=label_storage, blank=True)
    label_format = models.CharField(max_length=10, blank=True)
    labelled_at = models.DateTimeField(null=True, blank=True)
    picking_started_at = models.DateTimeField(null=True, blank=True)
    packed_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        # Every push inserts a row here: only the indexes a read uses (no LIKE-prefix copies, none a composite covers).
        indexes = [models.Index(fields=["warehouse", "status", "created_at"], name="outbound_wh_status"),
                   models.Index(fields=["status"], name="outbound_status"),
                   models.Index(fields=["platform_order_no"], name="outbound_platform_order_no"),
                   models.Index(fields=["tracking_no"], name="outbound_tracking_no")]
        constraints = [
            models.CheckConstraint(condition=Q(cod_amount__gte=0), name="outbound_cod_not_negative"),
            # Nothing ships without a label: the database refuses it too.
            models.CheckConstraint(
                condition=~Q(status="SHIPPED") | (~Q(label_file="") & Q(shipped_at__isnull=False)),
                name="outbound_shipped_has_label",
            ),
        ]

    def __str__(self) -> str:
        return self.outbound_order_no



_S = OutboundOrder.Status
# The outbound order's state machine: services move an order only through it, and the admin's buttons ask it.
OUTBOUND_FLOW = Flow(
    entity="Outbound order", number_field="outbound_order_no", order_type=OrderEvent.OrderType.OUTBOUND,
    transitions=OutboundOrder.TRANSITIONS,
    stamps={_S.PICKING: "picking_started_at", _S.PACKED: "packed_at", _S.LABELLED: "labelled_at",
            _S.SHIPPED: "shipped_at", _S.CANCELLED: "cancelled_at"},
    actions={
        "allocate": frozenset({_S.CREATED, _S.BACKORDERED}),
        "pick": frozenset({_S.ALLOCATED, _S.PICKING}),  # picking more units keeps PICKING
        "pack": frozenset({_S.PICKING}),
        # A label may be fetched (again) once packed, never once shipped or cancelled.
        "label": frozenset({_S.PACKED, _S.LABELLED}),
        "ship": frozenset({_S.LABELLED}),
        "cancel": frozenset(s for s, following in OutboundOrder.TRANSITIONS.items() if _S.CANCELLED in following),
    },
    refusals={_S.SHIPPED: "it has shipped", _S.CANCELLED: "it was cancelled"},
)


class OutboundOrderLine(models.Model):
    # outbound_line_product_once (order, product) leads with the order: no index of its own.
    order = models.ForeignKey(OutboundOrder, on_delete=models.CASCADE, related_name="lines", db_index=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="outbound_lines")
    quantity = models.PositiveIntegerField()
    reserved_qty = models.PositiveIntegerField(default=0)
    picked_qty = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="outbound_line_product_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="outbound_line_quantity_positive"),
            models.CheckConstraint(condition=Q(reserved_qty__lte=F("quantity")), name="outbound_line_reserved_within"),
            models.CheckConstraint(condition=Q(picked_qty__lte=F("quantity")), name="outbound_line_picked_within"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}:{self.product_id}"


class ShortPick(models.Model):
    """A picker found fewer units than the order needs: a Supervisor decides (recount, adjust, intercept)."""

    class Status(models.TextChoices):
        OPEN = "OPEN", "Open"
        RESOLVED = "RESOLVED", "Resolved"

    order = models.ForeignKey(OutboundOrder, on_delete=models.CASCADE, related_name="short_picks")
    line = models.ForeignKey(OutboundOrderLine, on_delete=models.CASCADE, related_name="short_picks")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    ordered_qty = models.PositiveIntegerField()
    picked_qty = models.PositiveIntegerField()
    note = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    resolution = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(picked_qty__lt=F("ordered_qty")), name="short_pick_is_short"),
            models.UniqueConstraint(fields=["line"], condition=Q(status="OPEN"), name="short_pick_one_open_per_line"),
        ]

    def __str__(self) -> str:
        return f"short pick {self.order_id}:{self.product_id} {self.picked_qty}/{self.ordered_qty}"

    @property
    def missing_qty(self) -> int:
        return self.ordered_qty - self.picked_qty


class Package(models.Model):
    """One parcel of a packed order: what the carrier weighs and measures; the outbound callback lists them."""

    order = models.ForeignKey(OutboundOrder, on_delete=models.CASCADE, related_name="packages")
    package_no = models.CharField(max_length=40)
    weight_kg = models.DecimalField(max_digits=10, decimal_places=3)
    length_cm = models.DecimalField(max_digits=8, decimal_places=1)
    width_cm = models.DecimalField(max_digits=8, decimal_places=1)
    height_cm = models.DecimalField(max_digits=8, decimal_places=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "package_no"], name="package_no_once_per_order"),
            models.CheckConstraint(
                condition=Q(weight_kg__gt=0) & Q(length_cm__gt=0) & Q(width_cm__gt=0) & Q(height_cm__gt=0),
                name="package_measures_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.package_no


class PackageItem(models.Model):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="items")
    line = models.ForeignKey(OutboundOrderLine, on_delete=models.CASCADE, related_name="package_items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["package", "line"], name="package_item_line_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="package_item_quantity_positive"),
        ]

    def __str__(self) -> str:
        # Ids only: no query to name a row (admin inlines list many).
        return f"package {self.package_id}, line {self.line_id}: {self.quantity}"


class PutBackTask(models.Model):
    """Picked goods of an intercepted order go back to the shelf; confirming it releases their reservation."""

    class Status(models.TextChoices):
        OPEN = "OPEN", "To put back"
        DONE = "DONE", "Put back"

    TRANSITIONS = {Status.OPEN: frozenset({Status.DONE}), Status.DONE: frozenset()}

    order = models.ForeignKey(OutboundOrder, on_delete=models.CASCADE, related_name="put_backs")
    line = models.ForeignKey(OutboundOrderLine, on_delete=models.CASCADE, related_name="put_backs")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")

    class Meta:
        ordering = ["status", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="put_back_quantity_positive"),
            models.UniqueConstraint(fields=["line"], name="put_back_once_per_line"),
        ]

    def __str__(self) -> str:
        return f"put back {self.quantity} x {self.product_id} ({self.order_id})"
