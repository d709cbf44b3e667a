from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper

# The name a placeholder product carries until its product sync brings the real one.
PLACEHOLDER_NAME = "Awaiting product data"


class Owner(models.Model):
    """A merchant whose goods the warehouse keeps (OneWarehouse's ``owner_code``)."""

    owner_code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    one_publish_new = models.BooleanField(
        "publish new products to ONE", default=False,
        help_text="A product of this merchant that arrives by OneWarehouse's product sync is published to ONE.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["owner_code"]

    def __str__(self) -> str:
        return self.owner_code


class Product(models.Model):
    sku_id = models.CharField(max_length=64, unique=True,
                              help_text="OneWarehouse's product id; also the SKU on ONE unless ``one_sku`` says else.")
    sku_code = models.CharField(max_length=100, blank=True, db_index=True)
    name = models.CharField(max_length=255)
    barcode = models.CharField(max_length=64, blank=True, db_index=True)
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="products")
    weight_kg = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True,
                                    validators=[MinValueValidator(0)])
    length_cm = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True,
                                    validators=[MinValueValidator(0)])
    width_cm = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True,
                                   validators=[MinValueValidator(0)])
    height_cm = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True,
                                    validators=[MinValueValidator(0)])
    declared_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                         validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, blank=True)
    image_url = models.URLField(max_length=500, blank=True)
    sync_to_one = models.BooleanField(default=False, db_index=True,
                                      help_text="Publish this product's stock to ONE.")
    one_sku = models.CharField("ONE sku", max_length=64, blank=True,
                               help_text="The product's SKU (and stock id) on ONE; empty: its sku_id.")
    is_active = models.BooleanField(default=True)
    awaiting_data = models.BooleanField(
        "awaiting product data", default=False, db_index=True,
        help_text="A placeholder: an order named this sku_id before its product sync arrived; the sync completes it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_kg__gte=0) & Q(length_cm__gte=0) & Q(width_cm__gte=0) & Q(height_cm__gte=0),
                name="product_dimensions_not_negative",
            ),
            models.CheckConstraint(condition=Q(declared_value__gte=0), name="product_declared_value_not_negative"),
        ]
        indexes = [models.Index(Upper("sku_code"), name="product_sku_code_upper")]

    def __str__(self) -> str:
        return f"{self.sku_id} {self.name}"

    @property
    def one_sku_effective(self) -> str:
        return self.one_sku or self.sku_id
