"""The simulator says how many of a store's API requests it is still handling: a test that killed a client
mid-request follows that to zero (the store has done every write it was asked for) instead of sleeping."""

from __future__ import annotations

import threading
import time

import pytest
import requests


def test_a_request_is_in_progress_until_its_handler_is_done(simulator, bs_store):
    simulator.set_faults(bs_store, stalled=True)  # every request waits until the test lets go
    answers = []

    def ask() -> None:
        answers.append(simulator.raw(bs_store, "GET", "/shipping_methods", token=bs_store.token))

    request = threading.Thread(target=ask)
    request.start()
    deadline = time.monotonic() + 30  # a hang guard: the loop follows the simulator
    while simulator.calls(bs_store)["in_progress"] == 0:
        assert time.monotonic() < deadline, "the request never reached the store"
        time.sleep(0.01)
    assert simulator.calls(bs_store)["in_progress"] == 1 and not answers
    simulator.set_faults(bs_store, stalled=False)
    request.join(30)
    assert [answer.status_code for answer in answers] == [200]
    assert simulator.calls(bs_store)["in_progress"] == 0


def test_faulted_dropped_and_refused_requests_end_too(simulator, bs_store):
    simulator.set_faults(bs_store, script=["500", "drop_after"])
    assert simulator.raw(bs_store, "GET", "/shipping_methods", token=bs_store.token).status_code == 500
    with pytest.raises(requests.ConnectionError):  # the store acted, then closed the connection
        simulator.raw(bs_store, "GET", "/shipping_methods", token=bs_store.token)
    assert simulator.raw(bs_store, "GET", "/shipping_methods", token="wrong").status_code == 401
    simulator.reset_calls(bs_store)  # a count of calls: what is in progress is not a call to forget
    assert simulator.calls(bs_store)["in_progress"] == 0
