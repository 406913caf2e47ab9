"""The simulator counts, per token, the requests it answered with an injected fault (a client must make each
again): the chaos bench's per-flow floor under faults is its fault-free floor plus that count. Requests
refused for coming above the store's call rate are not injected faults (a client can keep below the rate)."""

from __future__ import annotations


def test_injected_faults_are_counted_per_token_and_reset_with_the_calls(simulator, bs_store):
    simulator.set_faults(bs_store, script=["500", "429", "ok", "500"])
    answers = [simulator.raw(bs_store, "GET", "/shipping_methods", token=bs_store.token) for _ in range(3)]
    assert [a.status_code for a in answers] == [500, 429, 200]
    read_only = simulator.raw(bs_store, "GET", "/shipping_methods", token=bs_store.readonly_token)
    assert read_only.status_code == 500

    calls = simulator.calls(bs_store)
    assert (calls["read_write"], calls["faulted_read_write"]) == (3, 2)
    assert calls["faulted_per_token"] == {bs_store.token: 2, bs_store.readonly_token: 1}

    simulator.reset_calls(bs_store)
    assert simulator.calls(bs_store)["faulted_per_token"] == {}


def test_call_rate_refusals_are_not_injected_faults(simulator, bs_store):
    simulator.set_faults(bs_store, calls_per_second=0.5, call_burst=1)
    answers = [simulator.raw(bs_store, "GET", "/shipping_methods", token=bs_store.token) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 429]
    calls = simulator.calls(bs_store)
    assert (calls["rate_refusals"], calls["faulted_read_write"]) == (1, 0)
