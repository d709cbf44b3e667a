from django.core.management.base import BaseCommand, CommandError

from integrations.one import selectors, services
from integrations.one.models import OneSyncRun
from wms.core.errors import DomainError


class Command(BaseCommand):
    help = ("Publish a warehouse's stock to ONE now and send it from this process, by the warehouse's mode (FULL: one "
            "PUT of every published product; INCREMENTAL: POSTs). Without --baseline: what the schedule does (the "
            "changes since the last sync; a FULL warehouse is PUT only if something changed). --baseline: every "
            "published product, even if nothing changed. Exits non-zero if the run is refused or fails.")

    def add_arguments(self, parser):
        parser.add_argument("--warehouse", required=True, help="Our warehouse code.")
        parser.add_argument("--baseline", action="store_true", help="Send every published product.")
        parser.add_argument("--wait", type=float, default=60.0,
                            help="Seconds to wait for a chunk a worker holds (default 60).")

    def handle(self, *args, warehouse, baseline=False, wait=60.0, **options):
        publication = selectors.publication_by_warehouse_code(code=warehouse)
        if publication is None:
            raise CommandError(f"warehouse {warehouse} is not published to ONE")
        purpose = OneSyncRun.Purpose.BASELINE if baseline else OneSyncRun.Purpose.CHANGES
        try:
            run = services.one_sync_start(publication_id=publication.pk, purpose=purpose,
                                          trigger=OneSyncRun.Trigger.COMMAND)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        if run.status == OneSyncRun.Status.SENDING:
            run = services.one_sync_send_now(run_id=run.pk, wait_seconds=wait)
        duration = run.duration_seconds
        self.stdout.write(
            f"Run #{run.pk} {warehouse} → ONE {publication.one_warehouse_id} [{run.purpose}, "
            f"{run.mode}]: {run.lines} line(s), {run.removals} removal(s), "
            f"{run.chunks_sent}/{run.chunks_total} chunk(s) sent, build {run.build_ms} ms, "
            f"{'duration ' + str(duration) + ' s, ' if duration is not None else ''}{run.status}"
        )
        if run.status != OneSyncRun.Status.SUCCEEDED:
            raise CommandError(run.error or f"run #{run.pk} is {run.status}")
