from .models import SimFault, SimPush, SimReceived, SimShipment


def push_list(*, limit: int = 100):
    return SimPush.objects.all()[:limit]


def received_list(*, limit: int = 100):
    return SimReceived.objects.all()[:limit]


def shipment_list(*, limit: int = 100):
    return SimShipment.objects.all()[:limit]


def shipment_get_by_tracking_no(*, tracking_no: str) -> SimShipment | None:
    return SimShipment.objects.filter(tracking_no=tracking_no).first()


def fault_list():
    return SimFault.objects.filter(remaining__gt=0)
