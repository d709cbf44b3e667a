from django.core.management.base import BaseCommand, CommandError

from integrations.one import selectors, services
from integrations.one.models import OnePublication, OneSyncRun
from wms.core.errors import DomainError

MODES = ("full", "incremental", "baseline")


class Command(BaseCommand):
    help = ("Publish a warehouse's stock to ONE now and send it from this process. Without --mode: what the "
            "schedule does (changes since the last sync, by the warehouse's endpoint). --mode full|incremental must "
            "match the warehouse's mode (one endpoint from start to finish): full PUTs every flagged product, "
            "incremental sends the changes; --mode baseline sends every flagged product by the warehouse's endpoint. "
            "Exits non-zero if the run is refused or fails.")

    def add_arguments(self, parser):
        parser.add_argument("--warehouse", required=True, help="Our warehouse code.")
        parser.add_argument("--mode", choices=MODES)
        parser.add_argument("--wait", type=float, default=60.0,
                            help="Seconds to wait for a chunk a worker holds (default 60).")

    def handle(self, *args, warehouse, mode=None, wait=60.0, **options):
        mapping = selectors.mapping_by_warehouse_code(code=warehouse)
        if mapping is None:
            raise CommandError(f"warehouse {warehouse} is not mapped to ONE")
        if mode in ("full", "incremental") and mode.upper() != mapping.mode:
            raise CommandError(f"{warehouse} is published in {mapping.mode} mode; --mode {mode} would use another "
                               f"endpoint. Switch the mode in admin (it removes the stock on ONE, then resends).")
        # --mode full is an explicit PUT of everything, even if nothing changed; --mode incremental is the tick.
        request = services.Request.BASELINE if mode in ("baseline", "full") else services.Request.TICK
        try:
            run = services.one_sync_start(mapping_id=mapping.pk, request=request, trigger=OneSyncRun.Trigger.COMMAND)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        if run.status == OneSyncRun.Status.SENDING:
            run = services.one_sync_send_now(run_id=run.pk, wait_seconds=wait)
        duration = run.duration_seconds
        self.stdout.write(
            f"Run #{run.pk} {warehouse} → ONE {mapping.one_warehouse_id} [{run.mode}, "
            f"{OnePublication.Mode(run.endpoint_mode).name}]: {run.lines} line(s), {run.removals} removal(s), "
            f"{run.chunks_sent}/{run.chunks_total} chunk(s) sent, build {run.build_ms} ms, "
            f"{'duration ' + str(duration) + ' s, ' if duration is not None else ''}{run.status}"
        )
        if run.status != OneSyncRun.Status.SUCCEEDED:
            raise CommandError(run.error or f"run #{run.pk} is {run.status}")
