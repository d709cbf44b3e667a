"""Arms a fault on the ONE simulator for the next N calls of one endpoint (or clears them all):

    python manage.py one_simulator_fault --endpoint post_incremental --kind http_429 --count 2
    python manage.py one_simulator_fault --endpoint put_stocks --kind slow --delay 40
    python manage.py one_simulator_fault --clear
"""

from django.core.management.base import BaseCommand, CommandError

from integrations.one.simulator import services
from integrations.one.simulator.models import Endpoint, SimFault


class Command(BaseCommand):
    help = "Arm (or clear) a fault on the ONE simulator's endpoints."

    def add_arguments(self, parser):
        parser.add_argument("--endpoint", choices=Endpoint.values)
        parser.add_argument("--kind", choices=SimFault.Kind.values)
        parser.add_argument("--count", type=int, default=1)
        parser.add_argument("--delay", type=float, default=5.0, help="seconds, for --kind slow")
        parser.add_argument("--clear", action="store_true", help="remove every armed fault")

    def handle(self, *args, endpoint, kind, count, delay, clear, **options):
        if clear:
            self.stdout.write(f"{services.faults_clear()} faults cleared")
            return
        if not endpoint or not kind:
            raise CommandError("--endpoint and --kind are required (or --clear)")
        try:
            fault = services.fault_arm(endpoint=endpoint, kind=kind, count=count, delay_seconds=delay)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"armed: {fault}")
