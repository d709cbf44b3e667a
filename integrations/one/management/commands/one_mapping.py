from django.core.management.base import BaseCommand, CommandError

from integrations.one import selectors
from integrations.one.client import OneError
from integrations.one.models import OnePublication, OneSyncRun
from integrations.one.services import (
    one_publication_clean_start,
    one_publication_create,
    one_publication_disable,
    one_publication_enable_baseline,
    one_sync_send_now,
)
from wms.core.actors import actor_command
from wms.core.errors import DomainError
from wms.inventory.models import Warehouse

ACTOR = actor_command("one_mapping")


class Command(BaseCommand):
    help = ("Publish a warehouse to ONE under a ONE warehouse id (does nothing if it is published already); "
            "--disable withdraws every stock id ONE holds for it (sent from this process) and stops publishing; "
            "--enable publishes it again (the next sync sends a baseline); --clean-start takes what ONE already holds "
            "of the warehouse's products as held, so that the next sync (a baseline) removes what we do not publish.")

    def add_arguments(self, parser):
        parser.add_argument("--warehouse", required=True, help="our warehouse code")
        parser.add_argument("--one-warehouse", help="the warehouse id on ONE (to create the publication)")
        parser.add_argument("--mode", choices=[m.value.lower() for m in OnePublication.Mode],
                            default=OnePublication.Mode.INCREMENTAL.value.lower())
        switch = parser.add_mutually_exclusive_group()
        switch.add_argument("--disable", action="store_true", help="withdraw the stock from ONE and stop")
        switch.add_argument("--enable", action="store_true", help="publish again, starting with a baseline")
        switch.add_argument("--clean-start", action="store_true",
                            help="ask ONE which of the warehouse's products it holds already and remove those we do "
                                 "not publish with the next sync (a baseline)")
        parser.add_argument("--wait", type=float, default=60.0,
                            help="Seconds to wait for a chunk a worker holds (default 60).")

    def handle(self, *args, warehouse, one_warehouse=None, mode, disable=False, enable=False, clean_start=False,
               wait=60.0, **options):
        ours = Warehouse.objects.filter(code=warehouse).first()
        if ours is None:
            raise CommandError(f"no warehouse {warehouse}")
        existing = OnePublication.objects.filter(warehouse=ours).first()
        if disable or enable or clean_start:
            if existing is None:
                raise CommandError(f"{warehouse} is not published to ONE")
            try:
                if clean_start:
                    found = one_publication_clean_start(publication_id=existing.pk, actor=ACTOR)
                    self.stdout.write(self.style.SUCCESS(
                        f"ONE holds {found} of {warehouse}'s products; the next sync (a baseline) sends what we "
                        f"publish and removes the rest."))
                    return
                if enable:
                    one_publication_enable_baseline(publication_id=existing.pk, actor=ACTOR)
                    self.stdout.write(self.style.SUCCESS(
                        f"{warehouse} is published to ONE again; the next sync sends a baseline."))
                    return
                self._disable(existing, wait=wait)
            except (DomainError, OneError) as exc:
                raise CommandError(str(exc)) from exc
            return
        if existing is not None:
            self.stdout.write(f"{warehouse} is published to ONE as {existing.one_warehouse_id} ({existing.mode}).")
            return
        if not one_warehouse:
            raise CommandError("--one-warehouse is required to publish a warehouse")
        try:
            publication = one_publication_create(warehouse=ours, one_warehouse_id=one_warehouse, mode=mode.upper(),
                                                 actor=ACTOR)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"{warehouse} is now published to ONE as {publication.one_warehouse_id} ({publication.mode})."))

    def _disable(self, publication: OnePublication, *, wait: float) -> None:
        code = publication.warehouse.code
        publication, run = one_publication_disable(publication_id=publication.pk, actor=ACTOR,
                                                   trigger=OneSyncRun.Trigger.COMMAND)
        if run is not None and run.status == OneSyncRun.Status.SENDING:
            run = one_sync_send_now(run_id=run.pk, wait_seconds=wait)
        held = selectors.held_count(publication_id=publication.pk)
        if run is None and held:
            raise CommandError(f"{code} is disabled, but a sync is still running: its {held} stock id(s) on ONE are "
                               f"withdrawn by the schedule once it ends (or run this command again).")
        if run is not None and run.status != OneSyncRun.Status.SUCCEEDED:
            raise CommandError(f"{code} is disabled, but the withdraw (run #{run.pk}) is {run.status}: {run.error} "
                               f"({held} stock id(s) still on ONE; the schedule retries)")
        removed = run.removals if run is not None else 0
        self.stdout.write(self.style.SUCCESS(
            f"{code} is no longer published to ONE: {removed} stock id(s) removed, none left."))
