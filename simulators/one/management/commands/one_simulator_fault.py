"""Arms a fault on the ONE simulator for the next N calls of one endpoint (or clears them all):

    python manage.py one_simulator_fault --endpoint post_incremental --kind http_429 --count 2
    python manage.py one_simulator_fault --endpoint put_stocks --kind slow --delay 40
    python manage.py one_simulator_fault --clear
"""

from simulators.faults.commands import FaultCommand
from simulators.one import services
from simulators.one.models import Endpoint, SimFault


class Command(FaultCommand):
    help = "Arm (or clear) a fault on the ONE simulator's endpoints."
    endpoints = Endpoint.values
    kinds = SimFault.Kind.values

    def arm(self, options, **fault) -> SimFault:
        return services.fault_arm(**fault)

    def clear(self) -> int:
        return services.faults_clear()
