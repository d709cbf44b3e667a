"""The base of the simulators' ``<simulator>_simulator_fault`` management commands."""

from django.core.management.base import BaseCommand, CommandError

from .models import SimFaultBase


class FaultCommand(BaseCommand):
    """Arms a fault for the next ``--count`` calls of ``--endpoint`` (or clears them all with ``--clear``).

    A subclass names its simulator's ``endpoints`` and ``kinds`` (the values its options accept) and calls its
    simulator's services in ``arm`` and ``clear``; a fault option of its own goes in ``add_fault_arguments`` and
    reaches ``arm`` in ``options``."""

    endpoints: list[str]
    kinds: list[str]

    def add_arguments(self, parser):
        parser.add_argument("--endpoint", choices=self.endpoints)
        parser.add_argument("--kind", choices=self.kinds)
        parser.add_argument("--count", type=int, default=1)
        parser.add_argument("--delay", type=float, default=5.0, help="seconds, for --kind slow")
        self.add_fault_arguments(parser)
        parser.add_argument("--clear", action="store_true", help="remove every armed fault")

    def add_fault_arguments(self, parser):
        pass

    def arm(self, options: dict, *, endpoint: str, kind: str, count: int, delay_seconds: float) -> SimFaultBase:
        raise NotImplementedError

    def clear(self) -> int:
        raise NotImplementedError

    def handle(self, *args, endpoint, kind, count, delay, clear, **options):
        if clear:
            self.stdout.write(f"{self.clear()} faults cleared")
            return
        if not endpoint or not kind:
            raise CommandError("--endpoint and --kind are required (or --clear)")
        try:
            fault = self.arm(options, endpoint=endpoint, kind=kind, count=count, delay_seconds=delay)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"armed: {fault}")
