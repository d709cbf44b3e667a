"""The built-in fakes of the two peers, OneWarehouse and ONE, and the demo data: installed only when
SIMULATORS_ENABLED is on (and under test). They talk to the WMS over HTTP and may import ``integrations`` for the
peers' names; nothing in ``wms`` or ``integrations`` imports them."""
