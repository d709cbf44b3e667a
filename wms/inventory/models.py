from django.conf import settings
from django.core.exceptions import ValidationError
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


class Location(models.Model):
    """A place in a warehouse: a tree (zone > aisle > bin) of typed places with a scannable barcode.

    Every warehouse has four default locations (``DEFAULT_CODES``, made by ``location_defaults_ensure``): the
    receiving dock, one default storage bin, the packing bench and quarantine.
    """

    class Kind(models.TextChoices):
        RECEIVING = "RECEIVING", "Receiving dock"
        STORAGE = "STORAGE", "Storage bin"
        PICK_FACE = "PICK_FACE", "Pick face"
        PACKING = "PACKING", "Packing"
        QUARANTINE = "QUARANTINE", "Quarantine / damaged"

    # Where sellable units may be put away and picked from.
    BIN_KINDS = (Kind.STORAGE, Kind.PICK_FACE)
    # The default location of each kind a warehouse is given (code, kind, pick sequence).
    DEFAULT_CODES = {
        Kind.RECEIVING: "DOCK",
        Kind.STORAGE: "A-DEFAULT",
        Kind.PACKING: "PACK",
        Kind.QUARANTINE: "QUARANTINE",
    }

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="locations")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
                               help_text="The location this one is inside (a bin's aisle, an aisle's zone).")
    code = models.CharField(max_length=64, help_text="Unique in the warehouse, e.g. A-01-02-03.")
    barcode = models.CharField(
        max_length=64, blank=True,
        help_text="What the bin label's barcode reads; unique in the warehouse. Empty: the code.")
    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.STORAGE)
    zone = models.CharField(max_length=40, blank=True, help_text="Putaway suggests bins of the product's zone.")
    pick_sequence = models.PositiveIntegerField(default=0, help_text="The pick path: lower is visited first.")
    is_active = models.BooleanField(default=True)
    is_blocked = models.BooleanField(default=False, help_text="Nothing is put away into or picked from it.")
    blocked_reason = models.CharField(max_length=255, blank=True)
    last_counted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["warehouse_id", "pick_sequence", "code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="location_warehouse_code_unique"),
            models.UniqueConstraint(fields=["warehouse", "barcode"], name="location_warehouse_barcode_unique"),
            models.CheckConstraint(condition=~Q(code=""), name="location_code_not_empty"),
            models.CheckConstraint(condition=~Q(barcode=""), name="location_barcode_not_empty"),
            models.CheckConstraint(condition=Q(is_blocked=True) | Q(blocked_reason=""),
                                   name="location_blocked_reason_only_when_blocked"),
        ]
        indexes = [models.Index(fields=["warehouse", "kind", "pick_sequence"], name="location_wh_kind_seq")]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        if not self.barcode:
            self.barcode = self.code
        super().save(*args, **kwargs)

    def clean(self):
        """One location's own rules, for every form and the CSV import (``full_clean``): its parent is in its
        warehouse and not inside it; a location holding stock keeps its warehouse and stays on its side of
        quarantine (sellable units never sit in quarantine, damaged ones never outside)."""
        if not self.barcode:
            self.barcode = self.code
        if not self.is_blocked:
            self.blocked_reason = ""
        errors = {}
        if self.parent_id is not None and self.warehouse_id is not None:
            ancestor, seen = self.parent, set()
            if ancestor.warehouse_id != self.warehouse_id:
                errors["parent"] = f"{ancestor.code} is in another warehouse."
            while ancestor is not None and "parent" not in errors and ancestor.pk not in seen:
                if self.pk is not None and ancestor.pk == self.pk:
                    errors["parent"] = "A location cannot be inside itself."
                seen.add(ancestor.pk)
                ancestor = ancestor.parent
        if self.pk is not None:
            before = Location.objects.filter(pk=self.pk).values("warehouse_id", "kind").first()
            holds = before is not None and self.stocks.filter(quantity__gt=0).exists()
            if holds and before["warehouse_id"] != self.warehouse_id:
                errors["warehouse"] = "It holds stock: move the stock out before moving the location."
            quarantine = self.Kind.QUARANTINE
            if holds and (before["kind"] == quarantine) != (self.kind == quarantine):
                errors["kind"] = ("It holds stock: move the stock out before changing it to or from quarantine.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_quarantine(self) -> bool:
        return self.kind == self.Kind.QUARANTINE


class LocationStock(models.Model):
    """Units of a product in one location. The sum over a warehouse's non-quarantine locations is the level's
    on-hand, over its quarantine locations the level's damaged (``stock_verify`` checks it).

    Written only by ``wms.inventory.services`` under row locks (after the levels: wms.core.db), with a move that
    names the location (``StockMove.from_location`` / ``to_location``)."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="location_stocks")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stocks")
    quantity = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["location_id", "product_id"]
        verbose_name = "location stock"
        constraints = [
            models.UniqueConstraint(fields=["product", "location"], name="location_stock_product_location_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="location_stock_quantity_not_negative"),
        ]
        indexes = [models.Index(fields=["location", "product"], name="location_stock_location")]

    def __str__(self) -> str:
        return f"{self.product.sku_id} @ {self.location.code}"


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
        TRANSFER = "TRANSFER", "Transfer (location to location)"
        OPENING = "OPENING", "Opening balance of a location"

    # Which level buckets each kind moves, all by the same signed quantity.
    BUCKETS: dict[str, tuple[str, ...]] = {
        Kind.RECEIPT: ("on_hand",),
        Kind.RECEIPT_DAMAGED: ("damaged",),
        Kind.ALLOCATE: ("reserved",),
        Kind.DEALLOCATE: ("reserved",),
        Kind.SHIP: ("on_hand", "reserved"),
        Kind.ADJUST: ("on_hand",),
        Kind.ADJUST_DAMAGED: ("damaged",),
        # Units change place, not bucket: a transfer (putaway, pick) and the opening balance the locations'
        # data migration wrote (what was on hand before locations existed, into the default bin or quarantine).
        Kind.TRANSFER: (),
        Kind.OPENING: (),
    }
    # Kinds that never name a location: reservations are kept per warehouse only.
    RESERVATION_KINDS = (Kind.ALLOCATE, Kind.DEALLOCATE)
    POSITIVE_KINDS = (Kind.RECEIPT, Kind.RECEIPT_DAMAGED, Kind.ALLOCATE, Kind.TRANSFER, Kind.OPENING)
    NEGATIVE_KINDS = (Kind.DEALLOCATE, Kind.SHIP)

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_moves")
    # stock_move_wh_product leads with the warehouse: no index of its own.
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_moves", db_index=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    quantity = models.IntegerField()
    # What caused the move, e.g. ("inbound_line", "42"); inventory does not know the order models.
    reference_type = models.CharField(max_length=40, blank=True)
    reference_id = models.CharField(max_length=64, blank=True)
    reference_number = models.CharField(max_length=64, blank=True,
                                        help_text="The order number, for people.")
    reason = models.CharField(max_length=255, blank=True)
    # Where the units came from and went to. Every move since locations exist names them: units in (a receipt, a
    # positive adjustment) have ``to_location``, units out (shipped, a negative adjustment) ``from_location``, a
    # transfer both; reservations neither. A location's stock is the sum of |quantity| in minus |quantity| out.
    from_location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
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
            models.Index(fields=["reference_number"], name="stock_move_reference_number"),  # no LIKE copy
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stock_move_quantity_not_zero"),
            models.CheckConstraint(
                condition=~Q(kind__in=["RECEIPT", "RECEIPT_DAMAGED", "ALLOCATE", "TRANSFER", "OPENING"])
                | Q(quantity__gt=0),
                name="stock_move_sign_positive_kinds",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["DEALLOCATE", "SHIP"]) | Q(quantity__lt=0),
                name="stock_move_sign_negative_kinds",
            ),
            models.CheckConstraint(condition=~Q(reason_code="OTHER") | ~Q(note=""),
                                   name="stock_move_other_reason_has_note"),
            models.CheckConstraint(condition=~Q(actor=""), name="stock_move_has_actor"),
            models.CheckConstraint(
                condition=~Q(kind="TRANSFER") | (Q(from_location__isnull=False) & Q(to_location__isnull=False)
                                                 & ~Q(from_location=F("to_location"))),
                name="stock_move_transfer_between_two_locations",
            ),
            models.CheckConstraint(condition=~Q(kind="OPENING") | Q(to_location__isnull=False, from_location=None),
                                   name="stock_move_opening_into_a_location"),
            models.CheckConstraint(
                condition=~Q(kind__in=["ALLOCATE", "DEALLOCATE"]) | Q(from_location=None, to_location=None),
                name="stock_move_reservation_has_no_location",
            ),
            # Units in land somewhere; units out leave from somewhere (never the other way round).
            models.CheckConstraint(condition=~Q(kind__in=["RECEIPT", "RECEIPT_DAMAGED", "ADJUST", "ADJUST_DAMAGED",
                                                         "SHIP"]) | Q(from_location=None) | Q(to_location=None),
                                   name="stock_move_one_way_has_one_location"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d} {self.product_id}@{self.warehouse_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("stock moves are append-only; post a correcting move instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("stock moves are append-only; post a correcting move instead")
