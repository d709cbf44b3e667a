"""Arms a fault on the OneWarehouse simulator for the next N calls of one endpoint (or clears them all):

    python manage.py onewarehouse_simulator_fault --endpoint label --kind http_500 --count 3
    python manage.py onewarehouse_simulator_fault --endpoint outbound_callback --kind slow --delay 20
    python manage.py onewarehouse_simulator_fault --endpoint inbound_callback --kind code_error --code 1099
    python manage.py onewarehouse_simulator_fault --clear
"""

from simulators.faults.commands import FaultCommand
from simulators.onewarehouse import services
from simulators.onewarehouse.models import SimFault
from simulators.onewarehouse.payloads import Code, ReceivedKind


class Command(FaultCommand):
    help = "Arm (or clear) a fault on the OneWarehouse simulator's receiving endpoints."
    endpoints = ReceivedKind.values
    kinds = SimFault.Kind.values

    def add_fault_arguments(self, parser):
        parser.add_argument("--code", type=int, default=int(Code.SERVER_ERROR), help="for --kind code_error")

    def arm(self, options, **fault) -> SimFault:
        return services.fault_arm(error_code=options["code"], **fault)

    def clear(self) -> int:
        return services.faults_clear()
