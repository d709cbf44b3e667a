from django.core.management.base import BaseCommand, CommandError

from wms.outbox.services import outbox_dispatch_due


class Command(BaseCommand):
    help = "Send the outbox messages that are due, in this process (no worker needed). Exit 1 if any failed."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None)

    def handle(self, *args, limit=None, **options):
        counts = outbox_dispatch_due(limit=limit)
        summary = ", ".join(f"{k.lower()}={v}" for k, v in sorted(counts.items())) or "nothing due"
        self.stdout.write(summary)
        if counts.get("FAILED") or counts.get("DEAD"):
            raise CommandError("some messages failed; see the outbox in admin")
