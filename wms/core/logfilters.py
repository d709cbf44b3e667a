"""Logging filters of the project (wired in ``wms.settings.LOGGING``)."""

import logging


class ForbiddenWithoutTraceback(logging.Filter):
    """A refused page (403) is logged as one line: the ``PermissionDenied`` traceback says nothing staff or
    operators need (the message names the path and the reason)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
