from django.db import models
from django.db.models import Q

from wms.catalog.models import Product
from wms.inventory.models import Warehouse
from wms.outbox.models import OutboxMessage


class OneWarehouseMapping(models.Model):
    """Our warehouse published to ONE as ``one_warehouse_id``, by one endpoint (``mode``) from start to finish.

    ``cursor_move_id`` is the ledger horizon of the last successful sync: every stock move up to it has been
    published; empty means no baseline yet. ``active_run`` is the lock: a second sync of the warehouse is refused
    while a run is building or sending.
    """

    class Mode(models.TextChoices):
        FULL = "FULL", "Full (PUT replaces the whole warehouse)"
        INCREMENTAL = "INCREMENTAL", "Incremental (POST changed products, chunked)"

    warehouse = models.OneToOneField(Warehouse, on_delete=models.PROTECT, related_name="one_mapping")
    one_warehouse_id = models.CharField("ONE warehouse id", max_length=64, unique=True)
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.INCREMENTAL)
    enabled = models.BooleanField(default=True)
    cursor_move_id = models.BigIntegerField(null=True, blank=True,
                                            help_text="Stock moves up to this id are published.")
    flags_since = models.DateTimeField(null=True, blank=True,
                                       help_text="Start of the last successful sync: flag changes after it are sent.")
    switch_pending = models.BooleanField(
        default=False, help_text="The mode changed: the next sync removes the warehouse's stock on ONE, then sends a "
                                 "baseline with the new endpoint.")
    active_run = models.ForeignKey("OneSyncRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["warehouse__code"]
        verbose_name = "ONE warehouse mapping"

    def __str__(self) -> str:
        return f"{self.warehouse.code} → ONE {self.one_warehouse_id} ({self.mode})"


class OneSyncRun(models.Model):
    """One publication of a warehouse's stock: built at once, sent as chunks through the outbox, in order."""

    class Mode(models.TextChoices):
        FULL = "FULL", "Full (PUT)"
        INCREMENTAL = "INCREMENTAL", "Incremental (changes since the cursor)"
        BASELINE = "BASELINE", "Baseline (every flagged product, incremental endpoint)"
        SWITCH = "SWITCH", "Mode switch (remove all, then baseline)"
        RESYNC = "RESYNC", "Resync of selected products"

    class Status(models.TextChoices):
        BUILDING = "BUILDING", "Building"
        SENDING = "SENDING", "Sending"
        SUCCEEDED = "SUCCEEDED", "Succeeded"
        FAILED = "FAILED", "Failed"
        REFUSED = "REFUSED", "Refused"

    class Trigger(models.TextChoices):
        SCHEDULE = "SCHEDULE", "Schedule"
        COMMAND = "COMMAND", "Command"
        ADMIN = "ADMIN", "Admin"

    OPEN_STATUSES = (Status.BUILDING, Status.SENDING)

    mapping = models.ForeignKey(OneWarehouseMapping, on_delete=models.PROTECT, related_name="runs")
    mode = models.CharField(max_length=12, choices=Mode.choices)
    endpoint_mode = models.CharField(max_length=12, choices=OneWarehouseMapping.Mode.choices,
                                     help_text="The mapping's mode when the run was built.")
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BUILDING, db_index=True)
    lines = models.PositiveIntegerField(default=0, help_text="Stock lines sent.")
    removals = models.PositiveIntegerField(default=0, help_text="Ids in stocksToRemove.")
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_sent = models.PositiveIntegerField(default=0)
    cursor_from = models.BigIntegerField(null=True, blank=True)
    cursor_to = models.BigIntegerField(null=True, blank=True, help_text="Ledger horizon this run publishes up to.")
    build_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "ONE sync run"

    def __str__(self) -> str:
        return f"#{self.pk} {self.mode} {self.status}"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 3)


class OneSyncChunk(models.Model):
    """One request of a run: its body, as sent, and ONE's answer. Sent by its own outbox message."""

    class Method(models.TextChoices):
        PUT = "PUT", "PUT (replace)"
        POST = "POST", "POST (incremental)"

    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        QUEUED = "QUEUED", "Queued"
        SENT = "SENT", "Sent"
        FAILED = "FAILED", "Failed"

    run = models.ForeignKey(OneSyncRun, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    method = models.CharField(max_length=4, choices=Method.choices)
    lines = models.PositiveIntegerField(default=0)
    removals = models.PositiveIntegerField(default=0)
    body = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    outbox_message = models.ForeignKey(OutboxMessage, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+")
    response = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run_id", "seq"]
        verbose_name = "ONE sync chunk"
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="one_chunk_run_seq_unique")]

    def __str__(self) -> str:
        return f"run #{self.run_id} chunk {self.seq}"


class OneReconciliation(models.Model):
    """A read-back of the warehouse's flagged products from ONE, compared with our available."""

    class Status(models.TextChoices):
        RUNNING = "RUNNING", "Running"
        SUCCEEDED = "SUCCEEDED", "Succeeded"
        FAILED = "FAILED", "Failed"

    mapping = models.ForeignKey(OneWarehouseMapping, on_delete=models.PROTECT, related_name="reconciliations")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    checked = models.PositiveIntegerField(default=0)
    drifted = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "ONE reconciliation"

    def __str__(self) -> str:
        return f"#{self.pk} {self.mapping_id} {self.status}"


class OneStockDrift(models.Model):
    """A product whose stock on ONE (``largestQuantity``) differs from our available at reconciliation."""

    reconciliation = models.ForeignKey(OneReconciliation, on_delete=models.CASCADE, related_name="drifts")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    ours = models.IntegerField(help_text="Our available (on-hand minus reserved).")
    theirs = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True,
                                 help_text="ONE's largestQuantity; empty: ONE does not have it.")
    difference = models.DecimalField(max_digits=14, decimal_places=3, help_text="ONE minus ours.")

    class Meta:
        ordering = ["reconciliation_id", "product_id"]
        verbose_name = "ONE stock drift"
        constraints = [
            models.UniqueConstraint(fields=["reconciliation", "product"], name="one_drift_product_unique"),
            models.CheckConstraint(condition=~Q(difference=0), name="one_drift_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.ours} vs {self.theirs}"
