"""Fault injection shared by the built-in peer simulators (``simulators.one`` and
``simulators.onewarehouse``): an armed fault answers the next N calls of one endpoint in place of (or,
for a slow one, before) the normal answer.

A plain package, not a Django app: no migrations, no tables. Each simulator keeps its own concrete ``SimFault``
(its table, its ``Kind`` and endpoint choices) on the abstract base in ``models``; its ``services.py`` arms,
takes and clears faults through ``services`` here; its command subclasses ``commands.FaultCommand``; its dashboard's
fault form is answered by ``views.fault_form_submit``."""
