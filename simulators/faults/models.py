from django.db import models


class SimFaultBase(models.Model):
    """An armed fault: the next ``remaining`` calls of ``endpoint`` get it.

    A simulator's concrete model declares what differs between the simulators: a ``Kind`` TextChoices, and the
    ``endpoint`` (``max_length=32``) and ``kind`` (``max_length=16``) fields with its own choices."""

    remaining = models.PositiveIntegerField()
    delay_seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["pk"]
        indexes = [models.Index(fields=["endpoint", "remaining"])]

    def __str__(self):
        return f"{self.kind} x{self.remaining} on {self.endpoint}"
