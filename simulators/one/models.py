"""State of the fake ONE stock API, in the database (web and worker are separate processes in the demo)."""

from django.db import models

from simulators.faults.models import SimFaultBase


class Endpoint(models.TextChoices):
    GET_STOCKS = "get_stocks", "GET stocks"
    GET_ONE_PRODUCT = "get_one_product", "GET stocks-for-one-product"
    PUT_STOCKS = "put_stocks", "PUT warehouse stocks (replace)"
    POST_INCREMENTAL = "post_incremental", "POST warehouse stocks (incremental)"


class SimWarehouse(models.Model):
    warehouse_id = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["warehouse_id"]

    def __str__(self):
        return self.warehouse_id


class SimStock(models.Model):
    """One stock row of a warehouse (``id`` in ONE's words; the WMS sends id = sku). ``quantity`` is what was
    sent: ONE's ``largestQuantity``; its ``quantity`` is this minus cart reservations."""

    warehouse = models.ForeignKey(SimWarehouse, on_delete=models.CASCADE, related_name="stocks")
    stock_id = models.CharField(max_length=128)
    sku = models.CharField(max_length=128, db_index=True)
    quantity = models.DecimalField(max_digits=16, decimal_places=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["warehouse", "sku", "stock_id"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "stock_id"], name="one_sim_stock_unique_id"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="one_sim_stock_quantity_gte_0"),
        ]

    def __str__(self):
        return f"{self.warehouse_id}/{self.stock_id}: {self.quantity}"


class SimReservation(models.Model):
    """Units of a sku held by a shopper's cart on ONE: they lower ``quantity`` below ``largestQuantity``, except
    for a request that names that cart (``cartId``)."""

    warehouse = models.ForeignKey(SimWarehouse, on_delete=models.CASCADE, related_name="reservations")
    sku = models.CharField(max_length=128)
    cart_id = models.CharField(max_length=64, default="", blank=True)
    quantity = models.DecimalField(max_digits=16, decimal_places=3)

    class Meta:
        ordering = ["warehouse", "sku", "cart_id"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "sku", "cart_id"], name="one_sim_reservation_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="one_sim_reservation_quantity_gt_0"),
        ]

    def __str__(self):
        return f"{self.warehouse_id}/{self.sku} cart {self.cart_id}: {self.quantity}"


class SimFault(SimFaultBase):
    class Kind(models.TextChoices):
        SLOW = "slow", "Slow answer"
        HTTP_429 = "http_429", "HTTP 429"
        HTTP_503 = "http_503", "HTTP 503"

    endpoint = models.CharField(max_length=32, choices=Endpoint.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)


class SimRequest(models.Model):
    """Every request the simulator got, and its answer, for a person or a test to look at."""

    endpoint = models.CharField(max_length=32, choices=Endpoint.choices, blank=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    query = models.TextField(blank=True)
    body = models.TextField(blank=True)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.TextField(blank=True)
    fault = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.method} {self.path} -> {self.status_code}"
