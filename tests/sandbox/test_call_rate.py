"""The simulator's optional per-store call rate: above it, 429 with the Retry-After of the next free slot."""

from __future__ import annotations

import pytest
import requests


def test_calls_above_the_rate_are_refused_with_retry_after(simulator, bs_store):
    simulator.set_faults(bs_store, calls_per_second=0.5, call_burst=2)
    answers = [simulator.raw(bs_store, "GET", "/shipping_methods", token=bs_store.token) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["Retry-After"] == "2"
    calls = simulator.calls(bs_store)
    assert calls["total"] == 3 and calls["rate_refusals"] == 1
    simulator.reset_calls(bs_store)
    assert simulator.calls(bs_store)["rate_refusals"] == 0


def test_no_rate_by_default(simulator, bs_store):
    answers = [simulator.raw(bs_store, "GET", "/shipping_methods", token=bs_store.token) for _ in range(20)]
    assert {a.status_code for a in answers} == {200}


@pytest.mark.parametrize("settings", [{"calls_per_second": -1}, {"call_burst": 0}, {"calls_per_second": "x"}])
def test_a_wrong_rate_setting_is_refused(simulator, bs_store, settings):
    with pytest.raises(requests.HTTPError):
        simulator.set_faults(bs_store, **settings)
