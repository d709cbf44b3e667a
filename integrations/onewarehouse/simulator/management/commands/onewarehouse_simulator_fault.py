"""Arms a fault on the OneWarehouse simulator for the next N calls of one endpoint (or clears them all):

    python manage.py onewarehouse_simulator_fault --endpoint label --kind http_500 --count 3
    python manage.py onewarehouse_simulator_fault --endpoint outbound_callback --kind slow --delay 20
    python manage.py onewarehouse_simulator_fault --endpoint inbound_callback --kind code_error --code 1099
    python manage.py onewarehouse_simulator_fault --clear
"""

from django.core.management.base import BaseCommand, CommandError

from integrations.onewarehouse.simulator import services
from integrations.onewarehouse.simulator.models import SimFault
from integrations.onewarehouse.simulator.payloads import Code, ReceivedKind


class Command(BaseCommand):
    help = "Arm (or clear) a fault on the OneWarehouse simulator's receiving endpoints."

    def add_arguments(self, parser):
        parser.add_argument("--endpoint", choices=ReceivedKind.values)
        parser.add_argument("--kind", choices=SimFault.Kind.values)
        parser.add_argument("--count", type=int, default=1)
        parser.add_argument("--delay", type=float, default=5.0, help="seconds, for --kind slow")
        parser.add_argument("--code", type=int, default=int(Code.SERVER_ERROR), help="for --kind code_error")
        parser.add_argument("--clear", action="store_true", help="remove every armed fault")

    def handle(self, *args, endpoint, kind, count, delay, code, clear, **options):
        if clear:
            self.stdout.write(f"{services.faults_clear()} faults cleared")
            return
        if not endpoint or not kind:
            raise CommandError("--endpoint and --kind are required (or --clear)")
        try:
            fault = services.fault_arm(endpoint=endpoint, kind=kind, count=count, delay_seconds=delay,
                                       error_code=code)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"armed: {fault}")
