"""Publishing stock to ONE, one module per part:

- ``publications``: our warehouses published to ONE (create, enable, disable with withdraw, mode switch), the
  schedule's fan-out;
- ``runs``: a sync run opened (the warehouse's lock, the changes it takes up) and built into chunks against what ONE
  holds;
- ``sending``: each chunk sent through the outbox, what ONE holds written as it succeeds;
- ``reconciliation``: read-back and drift, "resync selected";
- ``retention``: the history pruned.

The change capture is ``integrations.one.changes``. This package names the public entry points of all of them.
"""

from .publications import (
    one_publication_clean_start,
    one_publication_create,
    one_publication_disable,
    one_publication_enable,
    one_publication_enable_baseline,
    one_publication_mode_switch,
    one_sync_fan_out,
)
from .reconciliation import one_drift_resync, one_reconcile, one_reconcile_fan_out
from .retention import one_history_prune
from .runs import SyncBusy, SyncRefused, full_over_limit_message, one_sync_start
from .sending import one_stock_push_send, one_sync_chunk_send, one_sync_send_now

__all__ = [
    "SyncBusy", "SyncRefused", "full_over_limit_message", "one_drift_resync", "one_history_prune",
    "one_publication_clean_start", "one_publication_create", "one_publication_disable", "one_publication_enable",
    "one_publication_enable_baseline", "one_publication_mode_switch", "one_reconcile", "one_reconcile_fan_out",
    "one_stock_push_send", "one_sync_chunk_send", "one_sync_fan_out", "one_sync_send_now", "one_sync_start",
]
