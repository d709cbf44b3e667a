"""State of the fake OneWarehouse. It lives in the database because the demo runs web and worker as separate
processes: a push made by a command and a callback received by the web process must see the same records."""

from django.db import models

from simulators.faults.models import SimFaultBase

from .payloads import LabelMode, PushKind, ReceivedKind


class SimPush(models.Model):
    """One push the simulator made to the WMS, and the WMS's answer."""

    kind = models.CharField(max_length=32, choices=PushKind.choices)
    url = models.URLField(max_length=500)
    order_no = models.CharField(max_length=100, blank=True, db_index=True)
    scenario = models.CharField(max_length=32, blank=True)
    request_headers = models.JSONField(default=dict)
    request_body = models.TextField(blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    response_code = models.IntegerField(null=True, blank=True)
    response_msg = models.TextField(blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.kind} {self.order_no} -> {self.status_code} {self.response_code}"


class SimReceived(models.Model):
    """One call the simulator received from the WMS (callback or label request), and what it answered."""

    kind = models.CharField(max_length=32, choices=ReceivedKind.choices)
    order_no = models.CharField(max_length=100, blank=True, db_index=True)
    request_headers = models.JSONField(default=dict)
    request_body = models.TextField(blank=True)
    signature_ok = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField()
    response_code = models.IntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    fault = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.kind} {self.order_no} <- {self.status_code} {self.response_code}"


class SimShipment(models.Model):
    """What OneWarehouse knows of an outbound order's shipping: its label and whether it was shipped.

    A label request for a shipped order is refused (the access guide's rule)."""

    outbound_order_no = models.CharField(max_length=100, unique=True)
    tracking_no = models.CharField(max_length=64, unique=True)
    label_requests = models.PositiveIntegerField(default=0)
    label_mode = models.CharField(max_length=8, choices=LabelMode.choices, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    shipped_payload = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.outbound_order_no} {self.tracking_no}"

    @property
    def is_shipped(self) -> bool:
        return self.shipped_at is not None


class SimFault(SimFaultBase):
    """An armed fault: the next ``remaining`` calls of ``endpoint`` get it instead of (or before, for SLOW) the
    normal answer. CODE_ERROR answers HTTP 200 with ``error_code`` as the envelope's code."""

    class Kind(models.TextChoices):
        HTTP_500 = "http_500", "HTTP 500"
        HTTP_429 = "http_429", "HTTP 429"
        SLOW = "slow", "Slow answer"
        CODE_ERROR = "code_error", "HTTP 200 with code != 0"

    endpoint = models.CharField(max_length=32, choices=ReceivedKind.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    error_code = models.IntegerField(default=5000)
