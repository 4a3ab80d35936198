"""Asking for a dispatch after commits: folded per process, never in the request's way."""

import threading
import time

from messaging.kick import Coalescer


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[float] = []
        self.fail = fail

    def __call__(self) -> None:
        self.calls.append(time.monotonic())
        if self.fail:
            raise ConnectionError("broker down")


def _wait_quiet(recorder: Recorder, count: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while len(recorder.calls) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def test_many_requests_in_one_window_ask_for_one_dispatch_after_the_last_of_them():
    recorder = Recorder()
    # A window far longer than 50 requests take, even on a busy machine.
    coalescer = Coalescer(recorder, delay=1.0)
    asked = []
    for _ in range(50):
        asked.append(time.monotonic())
        coalescer.request()
    _wait_quiet(recorder, 1)
    time.sleep(1.2)  # long enough for a second dispatch, had one been asked for
    assert len(recorder.calls) == 1
    assert recorder.calls[0] >= asked[-1]


def test_a_request_after_the_dispatch_was_asked_for_asks_again():
    recorder = Recorder()
    coalescer = Coalescer(recorder, delay=0.05)
    coalescer.request()
    _wait_quiet(recorder, 1)
    coalescer.request()
    _wait_quiet(recorder, 2)
    assert len(recorder.calls) == 2


def test_requests_from_many_threads_at_once_are_all_followed_by_a_dispatch():
    recorder = Recorder()
    coalescer = Coalescer(recorder, delay=0.05)
    last_request = []
    lock = threading.Lock()

    def ask() -> None:
        for _ in range(20):
            with lock:
                last_request.append(time.monotonic())
            coalescer.request()
            time.sleep(0.01)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(0.3)
    # Every request is followed by a dispatch asked for after it, and far fewer are asked
    # for than requests were made.
    assert recorder.calls
    assert recorder.calls[-1] >= max(last_request)
    assert len(recorder.calls) < 160 / 2


def test_a_broker_that_fails_does_not_reach_the_caller_and_the_next_request_still_asks():
    recorder = Recorder(fail=True)
    coalescer = Coalescer(recorder, delay=0.01)
    coalescer.request()  # returns at once whatever the broker does
    _wait_quiet(recorder, 1)
    coalescer.request()
    _wait_quiet(recorder, 2)
    assert len(recorder.calls) == 2
