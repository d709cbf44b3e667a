"""Coalesced calls (wms.core.coalesce): every request is followed by a call that starts after it, and a burst of
requests costs a call per window."""

import threading
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from wms.core.coalesce import Coalesced


class _Recorder:
    def __init__(self):
        self.starts: list[float] = []
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            self.starts.append(time.monotonic())


def test_with_no_window_every_request_is_a_call():
    calls = _Recorder()
    wake = Coalesced(calls, window=lambda: 0.0)
    for _ in range(5):
        wake.request()
    assert len(calls.starts) == 5


def test_requests_inside_a_window_make_one_trailing_call():
    calls = _Recorder()
    wake = Coalesced(calls, window=lambda: 0.2)
    wake.request()
    assert len(calls.starts) == 1  # at once
    for _ in range(50):
        wake.request()
    assert len(calls.starts) == 1
    time.sleep(0.5)
    assert len(calls.starts) == 2  # the window's trailing call, for all fifty
    time.sleep(0.3)
    wake.request()  # a new window: at once again
    assert len(calls.starts) == 3


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=0.03), min_size=1, max_size=12),
       st.sampled_from([0.0, 0.01, 0.05]))
def test_every_request_is_followed_by_a_call_that_starts_after_it(pauses, window):
    calls = _Recorder()
    wake = Coalesced(calls, window=lambda: window)
    requests = []
    for pause in pauses:
        time.sleep(pause)
        requests.append(time.monotonic())
        wake.request()
    time.sleep(window + 0.2)
    with calls.lock:
        starts = list(calls.starts)
    assert all(any(start >= at for start in starts) for at in requests)
    assert len(starts) <= len(requests)
