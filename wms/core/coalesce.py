"""Many requests for the same call, made in a short time, answered by few calls: the wake of a worker that takes up
everything waiting (``wms.outbound``: the orders to allocate after their answer).

``Coalesced(func, window=s).request()`` calls ``func`` at once if it was not called in the last ``window`` seconds
in this process; otherwise one trailing call is made when the window ends (a timer thread), and requests until then
add nothing. So every request is followed by a call that *starts after it*: a worker woken by that call sees what the
requester committed before requesting. With ``window`` 0 every request is a call.

A trailing call still due when the process exits is lost; what it would have woken is left for the periodic sweep
that every such worker has anyway.
"""

import threading
import time
from collections.abc import Callable


class Coalesced:
    def __init__(self, func: Callable[[], None], *, window: Callable[[], float]):
        self._func = func
        self._window = window  # read on each request, so that settings may change it (tests)
        self._lock = threading.Lock()
        self._last = float("-inf")
        self._timer: threading.Timer | None = None

    def request(self) -> None:
        with self._lock:
            if self._timer is not None:
                return  # a trailing call is due, and starts after this request
            wait = self._last + self._window() - time.monotonic()
            if wait > 0:
                self._timer = threading.Timer(wait, self._trailing)
                self._timer.daemon = True
                self._timer.start()
                return
            self._last = time.monotonic()
        self._func()

    def _trailing(self) -> None:
        with self._lock:
            self._timer = None
            self._last = time.monotonic()
        self._func()
