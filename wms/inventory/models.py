from django.conf import settings
from django.db import models
from django.db.models import F, Q

from wms.catalog.models import Product


class Warehouse(models.Model):
    code = models.CharField(max_length=64, unique=True, help_text="OneWarehouse's warehouse_code.")
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class StockLevel(models.Model):
    """On-hand, reserved and damaged units of a product in a warehouse: the sum of its ledger moves.

    Written only by ``wms.inventory.services`` under a row lock, in the transaction that writes the moves.
    The CHECK constraints are the last line: no bug or race can make stock negative or reserve more than is there.
    """

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.IntegerField(default=0, help_text="Sellable units physically here (damaged excluded).")
    reserved = models.IntegerField(default=0, help_text="Units of on-hand promised to outbound orders.")
    damaged = models.IntegerField(default=0, help_text="Damaged units kept apart: never sold, never sent to ONE.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["warehouse_id", "product_id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="stock_level_product_warehouse_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_level_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_level_reserved_not_negative"),
            models.CheckConstraint(condition=Q(damaged__gte=0), name="stock_level_damaged_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stock_level_reserved_within_on_hand"),
        ]

    def __str__(self) -> str:
        return f"{self.product.sku_id} @ {self.warehouse.code}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class AdjustReason(models.TextChoices):
    """Why a Supervisor corrected stock; OTHER needs a note saying what happened."""

    COUNT_CORRECTION = "COUNT_CORRECTION", "Count correction"
    DAMAGED_FOUND = "DAMAGED_FOUND", "Damaged goods found"
    LOST = "LOST", "Lost"
    FOUND = "FOUND", "Found"
    EXPIRED = "EXPIRED", "Expired"
    OTHER = "OTHER", "Other (note required)"


class StockMove(models.Model):
    """One line of the stock ledger. Append-only: never edited, never deleted.

    ``quantity`` is signed; ``kind`` says which buckets of the level it moves (``BUCKETS``).
    """

    class Kind(models.TextChoices):
        RECEIPT = "RECEIPT", "Receipt (good)"
        RECEIPT_DAMAGED = "RECEIPT_DAMAGED", "Receipt (damaged)"
        ALLOCATE = "ALLOCATE", "Allocate"
        DEALLOCATE = "DEALLOCATE", "Deallocate"
        SHIP = "SHIP", "Ship"
        ADJUST = "ADJUST", "Adjust (good)"
        ADJUST_DAMAGED = "ADJUST_DAMAGED", "Adjust (damaged)"

    # Which level buckets each kind moves, all by the same signed quantity.
    BUCKETS: dict[str, tuple[str, ...]] = {
        Kind.RECEIPT: ("on_hand",),
        Kind.RECEIPT_DAMAGED: ("damaged",),
        Kind.ALLOCATE: ("reserved",),
        Kind.DEALLOCATE: ("reserved",),
        Kind.SHIP: ("on_hand", "reserved"),
        Kind.ADJUST: ("on_hand",),
        Kind.ADJUST_DAMAGED: ("damaged",),
    }
    POSITIVE_KINDS = (Kind.RECEIPT, Kind.RECEIPT_DAMAGED, Kind.ALLOCATE)
    NEGATIVE_KINDS = (Kind.DEALLOCATE, Kind.SHIP)

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_moves")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_moves")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    quantity = models.IntegerField()
    # What caused the move, e.g. ("inbound_line", "42"); inventory does not know the order models.
    reference_type = models.CharField(max_length=40, blank=True)
    reference_id = models.CharField(max_length=64, blank=True)
    reference_number = models.CharField(max_length=64, blank=True, db_index=True,
                                        help_text="The order number, for people.")
    reason = models.CharField(max_length=255, blank=True)
    # A Supervisor's adjustment (ADJUST / ADJUST_DAMAGED): the reason code and the note typed with it.
    reason_code = models.CharField(max_length=20, choices=AdjustReason.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)
    # Who did the step: the staff member (``user``, also by name in ``actor``), or the system by its name
    # (``system:onewarehouse``, ``system:backorders``: wms.core.actors) with no user.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    actor = models.CharField(max_length=160, help_text="Who made the move: a username, or system:<name>.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["warehouse", "product", "id"], name="stock_move_wh_product"),
            models.Index(fields=["reference_type", "reference_id"], name="stock_move_reference"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stock_move_quantity_not_zero"),
            models.CheckConstraint(
                condition=~Q(kind__in=["RECEIPT", "RECEIPT_DAMAGED", "ALLOCATE"]) | Q(quantity__gt=0),
                name="stock_move_sign_positive_kinds",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["DEALLOCATE", "SHIP"]) | Q(quantity__lt=0),
                name="stock_move_sign_negative_kinds",
            ),
            models.CheckConstraint(condition=~Q(reason_code="OTHER") | ~Q(note=""),
                                   name="stock_move_other_reason_has_note"),
            models.CheckConstraint(condition=~Q(actor=""), name="stock_move_has_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d} {self.product_id}@{self.warehouse_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("stock moves are append-only; post a correcting move instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("stock moves are append-only; post a correcting move instead")
