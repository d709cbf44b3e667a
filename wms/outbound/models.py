from django.db import models
from django.db.models import F, Q

from wms.catalog.models import Owner, Product
from wms.inventory.models import Warehouse


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
    # A shipping label may be requested only in these states: never once shipped or cancelled.
    LABEL_FETCHABLE = frozenset({Status.PACKED, Status.LABELLED})

    outbound_order_no = models.CharField(max_length=64, unique=True)
    platform_order_no = models.CharField(max_length=64, blank=True, db_index=True)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="outbound_orders")
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="outbound_orders")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CREATED, db_index=True)

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
    tracking_no = models.CharField(max_length=100, blank=True, db_index=True)

    cod_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, blank=True)
    remark = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64, blank=True)

    label_file = models.FileField(upload_to="labels/%Y/%m/", blank=True)
    label_format = models.CharField(max_length=10, blank=True)
    labelled_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["warehouse", "status", "created_at"], name="outbound_wh_status")]
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


class OutboundOrderLine(models.Model):
    order = models.ForeignKey(OutboundOrder, on_delete=models.CASCADE, related_name="lines")
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
