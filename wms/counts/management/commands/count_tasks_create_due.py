from django.core.management.base import BaseCommand, CommandError

from wms.core.actors import actor_command
from wms.core.admin import domain_error_message
from wms.core.errors import DomainError

from ...services import count_tasks_create_due


class Command(BaseCommand):
    help = ("Open a count task for each active bin holding stock that was not counted for COUNT_INTERVAL_DAYS days "
            "(and has no open count), the longest uncounted first.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="instead of COUNT_INTERVAL_DAYS")
        parser.add_argument("--limit", type=int, default=None, help="at most this many tasks (COUNT_DUE_PER_RUN)")

    def handle(self, *args, **options):
        if options["days"] is not None and options["days"] < 0:
            raise CommandError("--days: a number of days, 0 or more")
        try:
            tasks = count_tasks_create_due(actor=actor_command("count_tasks_create_due"), days=options["days"],
                                           limit=options["limit"])
        except DomainError as exc:
            raise CommandError(domain_error_message(exc)) from exc
        for task in tasks:
            self.stdout.write(f"count #{task.pk}: {task.location.code}")
        self.stdout.write(self.style.SUCCESS(f"{len(tasks)} count task(s) opened."))
