from django.db import models


class ApiExchange(models.Model):
    """One HTTP exchange with a peer, incoming or outgoing, stored with every secret masked."""

    class Direction(models.TextChoices):
        INCOMING = "IN", "Incoming"
        OUTGOING = "OUT", "Outgoing"

    direction = models.CharField(max_length=3, choices=Direction.choices)
    integration = models.CharField(max_length=40)
    environment = models.CharField(
        max_length=20, blank=True,
        help_text="The peer environment (sandbox, production) active for the exchange; blank: the peer has one.")
    endpoint = models.CharField(max_length=100, help_text="What the call is, e.g. outbound_create.")
    method = models.CharField(max_length=10)
    url = models.TextField()
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    request_headers = models.JSONField(default=dict, blank=True)
    request_body = models.TextField(blank=True)
    request_body_base64 = models.TextField(
        blank=True, help_text="The exact bytes (secret values masked), only when the body as text cannot be them "
                              "(not UTF-8, NUL): replay sends these.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    response_body = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    signature_verdict = models.CharField(max_length=40, blank=True)
    signature_diagnosis = models.CharField(
        max_length=500, blank=True,
        help_text="For a push refused for its signature: which known recipe and key pair would have accepted it.")
    business_code = models.IntegerField(null=True, blank=True, help_text="The envelope's code, when there is one.")
    error = models.TextField(blank=True)
    order_no = models.CharField(max_length=64, blank=True)
    sku_id = models.CharField(max_length=64, blank=True)
    outbox_message_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    replay_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replays")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "API exchange"
        # Every push inserts a row here: only the indexes a read uses (no LIKE-prefix copies, none a composite covers).
        indexes = [models.Index(fields=["integration", "endpoint", "created_at"], name="apilog_endpoint_time"),
                   models.Index(fields=["order_no"], name="apilog_order_no"),
                   models.Index(fields=["sku_id"], name="apilog_sku_id")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.method} {self.endpoint} {self.status_code or '-'}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300 and self.business_code in (None, 0)
