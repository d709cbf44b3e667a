from django.db import models
from django.db.models import Q
from django.utils import timezone

from wms.catalog.models import Product
from wms.inventory.models import Warehouse
from wms.outbox.models import OutboxMessage


class OnePublication(models.Model):
    """Our warehouse published to ONE as ``one_warehouse_id``, by one endpoint (``mode``) from start to finish.

    What ONE holds for it is ``held`` (``OneHeldStock``); what changed since is ``changes`` (``OneStockChange``,
    written in the transaction of each move or flag change). ``baseline_needed``: the next sync sends every
    published product (a new or re-enabled publication). ``active_run`` is the lock: a second sync of the warehouse
    is refused while a run is building or sending. A disabled publication is withdrawn: its syncs remove every id
    ONE holds for it, until none is left.
    """

    class Mode(models.TextChoices):
        """How stock reaches ONE: the one mode enum, used by the publication, its runs and their chunks."""

        FULL = "FULL", "Full (PUT replaces the whole warehouse)"
        INCREMENTAL = "INCREMENTAL", "Incremental (POST changed products, chunked)"

    warehouse = models.OneToOneField(Warehouse, on_delete=models.PROTECT, related_name="one_publication")
    one_warehouse_id = models.CharField("ONE warehouse id", max_length=64, unique=True)
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.INCREMENTAL)
    enabled = models.BooleanField(default=True)
    baseline_needed = models.BooleanField(
        default=True, help_text="The next sync sends every published product (new or re-enabled publication).")
    switch_pending = models.BooleanField(
        default=False, help_text="The mode changed: the next sync removes the warehouse's stock on ONE, then sends a "
                                 "baseline with the new endpoint.")
    active_run = models.ForeignKey("OneSyncRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["warehouse__code"]
        verbose_name = "ONE publication"

    def __str__(self) -> str:
        return f"{self.warehouse.code} → ONE {self.one_warehouse_id} ({self.mode.lower()})"


class OneSyncRun(models.Model):
    """One publication of a warehouse's stock: built at once, sent as chunks through the outbox, in order.

    ``purpose`` is what the run is for; ``mode`` is how it reached ONE (the publication's mode when it was built).
    """

    class Purpose(models.TextChoices):
        """What a run is for. How it reaches ONE is ``OnePublication.Mode``: a FULL publication PUTs every
        published product for a baseline, its changes or a resync alike."""

        CHANGES = "CHANGES", "Changes (captured since the last sync)"
        BASELINE = "BASELINE", "Baseline (every published product)"
        SWITCH = "SWITCH", "Mode switch (remove all, then a baseline by the new mode)"
        RESYNC = "RESYNC", "Resync of selected products"
        WITHDRAW = "WITHDRAW", "Withdraw (remove every id ONE holds; the publication is disabled)"

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

    publication = models.ForeignKey(OnePublication, on_delete=models.PROTECT, related_name="runs")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    mode = models.CharField(max_length=12, choices=OnePublication.Mode.choices,
                            help_text="The publication's mode when the run was built.")
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BUILDING, db_index=True)
    lines = models.PositiveIntegerField(default=0, help_text="Stock lines sent.")
    removals = models.PositiveIntegerField(default=0, help_text="Ids in stocksToRemove.")
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_sent = models.PositiveIntegerField(default=0)
    changes = models.PositiveIntegerField(default=0, help_text="Changed products this run took up.")
    build_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "ONE sync run"

    def __str__(self) -> str:
        return f"#{self.pk} {self.purpose.lower()}, {self.get_status_display().lower()}"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 3)


class OneSyncChunk(models.Model):
    """One request of a run: its body, as sent, and ONE's answer. Sent by its own outbox message.

    ``mode``: FULL, a PUT replacing the warehouse; INCREMENTAL, a POST (a switch's run sends both)."""

    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        QUEUED = "QUEUED", "Queued"
        SENT = "SENT", "Sent"
        FAILED = "FAILED", "Failed"

    run = models.ForeignKey(OneSyncRun, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    mode = models.CharField(max_length=12, choices=OnePublication.Mode.choices)
    lines = models.PositiveIntegerField(default=0)
    removals = models.PositiveIntegerField(default=0)
    body = models.TextField()
    items = models.JSONField(default=dict, help_text=(
        'What ONE holds once this chunk succeeds: {"set": [[product id, ONE sku, quantity], ...], '
        '"remove": [[product id, ONE sku], ...], "replace": true for a PUT}.'))
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


class OneHeldStock(models.Model):
    """A stock id ONE holds for a published warehouse, with the quantity we last sent: written only when the chunk
    that sent it succeeded. ``stocksToRemove`` names only these ids; incremental lines are what differs from them."""

    publication = models.ForeignKey(OnePublication, on_delete=models.CASCADE, related_name="held")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    one_sku = models.CharField("ONE sku", max_length=64)
    quantity = models.IntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["publication_id", "product_id"]
        verbose_name = "stock held by ONE"
        verbose_name_plural = "stock held by ONE"
        constraints = [models.UniqueConstraint(fields=["publication", "product"], name="one_held_product_unique")]

    def __str__(self) -> str:
        return f"{self.one_sku}: {self.quantity}"


class OneStockChange(models.Model):
    """A product whose stock or publication changed in a published warehouse and is not yet on ONE.

    Written (or re-armed) in the transaction of the move or flag change. A run takes up the rows it will send by
    setting ``run`` (in a short transaction of its own) and deletes exactly those rows when it succeeds; a change
    committed meanwhile re-arms its row (``run`` back to empty), so it stays for the next run. No time window, no
    id cursor: a row is either taken up by a run or still waiting.
    """

    publication = models.ForeignKey(OnePublication, on_delete=models.CASCADE, related_name="changes")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(OneSyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Since when ONE has not seen the product as it is: the first capture (a change written again while it waits
    # keeps it); a row re-armed during a run that then succeeds restarts at that run's start.
    captured_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["publication_id", "product_id"]
        verbose_name = "ONE stock change"
        constraints = [models.UniqueConstraint(fields=["publication", "product"], name="one_change_product_unique")]

    def __str__(self) -> str:
        return f"{self.publication_id}/{self.product_id} (run {self.run_id or '-'})"


class OneReconciliation(models.Model):
    """A read-back of the warehouse's flagged products from ONE, compared with our available."""

    class Status(models.TextChoices):
        RUNNING = "RUNNING", "Running"
        SUCCEEDED = "SUCCEEDED", "Succeeded"
        FAILED = "FAILED", "Failed"

    publication = models.ForeignKey(OnePublication, on_delete=models.PROTECT, related_name="reconciliations")
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
        return f"#{self.pk} {self.publication_id} {self.status}"


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
