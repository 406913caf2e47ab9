"""How a sync run ends (sync/outcomes.py table): a store outage is tried again by RQ and its calls add up over
the attempts; errors that retrying cannot fix end the run at once, with their reason. Real simulator over
HTTP, real Redis, a real RQ worker."""

from __future__ import annotations

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeout
from rq.job import JobStatus

from extensions import db
from models.activity import EventLevel, RunStatus, SyncAction, SyncTrigger
from services.channels import token_vault
from sync import outcomes, runs
from sync.errors import (
    ChannelUnusable,
    CredentialsRefused,
    InternalFailure,
    QueueUnavailable,
    StoreAnswerUnreadable,
    StoreUnavailable,
)
from tests.support.sync import (
    catalog_for,
    import_now,
    import_through_an_outage,
    imported_ids,
    job_of,
    make_store,
    run_events,
    store_order_ids,
    sync_channel,
)


def test_a_run_retried_after_an_outage_counts_the_calls_of_every_attempt(app, simulator, world):
    store = make_store(simulator, seed=5, products=3, orders=12, moas_rate=0, gift_rate=0)
    catalog_for(simulator, store, world.a.account)
    channel = sync_channel(store, world.a.account)
    expected = store_order_ids(simulator, store)
    first_attempt = 1 + app.config["SYNC_CLIENT_RETRIES"]  # the listing, and the client's own retries of it
    simulator.set_faults(store, script=["500"] * first_attempt)

    run = import_now(channel)

    assert run.status == RunStatus.SUCCEEDED and run.attempts == 2
    assert sorted(imported_ids(channel)) == sorted(expected)
    second_attempt = 1 + len(expected)  # the listing and each order's detail
    assert run.api_calls == first_attempt + second_attempt == simulator.calls(store)["total"]
    outages = [event for event in run_events(run) if "could not be reached" in event.message]
    assert len(outages) == 1 and outages[0].level == EventLevel.WARNING  # not fatal: the run went on
    assert "will try again" in outages[0].message
    assert not run_events(run, EventLevel.FATAL)
    assert run.error_summary == ""  # the run ended well: the outage is in its events, not its summary
    assert f"{run.api_calls} API calls" in run_events(run, EventLevel.INFO)[-1].message


def _refused_shop_domain(simulator, store, channel):
    channel.shop_domain = "store.example.com"  # not a Bright Sites address: the client refuses it


def _unreadable_token(simulator, store, channel):
    channel.token_ciphertext = "gAAAAA-not-a-token-under-any-configured-key"


def _refused_token(simulator, store, channel):
    channel.token_ciphertext = token_vault.encrypt("not-the-token-of-this-store")


def _redirecting_store(simulator, store, channel):
    simulator.set_faults(store, script=["redirect"])


def _internal_failure(simulator, store, channel):
    pass  # the run's own parameters are broken (see `params` below): a fault of techOMS, not of the store


PERMANENT = {
    "refused shop domain": (_refused_shop_domain, {}, "shop domain is refused", 0),
    "unreadable token": (_unreadable_token, {}, "cannot be decrypted", 0),
    "refused token": (_refused_token, {}, "refused the access token", 1),
    "redirecting store": (_redirecting_store, {}, "answered in an unexpected way", 1),
    "internal failure": (_internal_failure, {"created_from": "not-a-date"}, "inside techOMS", 0),
}


@pytest.mark.parametrize("case", PERMANENT.keys())
def test_errors_retrying_cannot_fix_fail_at_once_with_their_reason(app, simulator, world, case):
    breaks, params, reason, calls = PERMANENT[case]
    store = make_store(simulator, seed=1, products=2, orders=3)
    channel = sync_channel(store, world.a.account)
    breaks(simulator, store, channel)
    db.session.commit()

    run = import_now(channel, **params)

    assert run.status == RunStatus.FAILED and run.attempts == 1
    assert reason in run.error_summary
    assert [event.message for event in run_events(run)] == [run.error_summary]
    assert run.api_calls == calls == simulator.calls(store)["total"]
    job = job_of(run)  # RQ ran the job once, and it ended without asking for a retry
    assert job.get_status() == JobStatus.FINISHED
    assert job.retries_left == len(app.config["SYNC_RETRY_INTERVALS"])


def test_the_last_attempt_of_an_outage_fails_the_job_in_rq(app, simulator, world):
    _store, run = import_through_an_outage(simulator, world.a.account)
    assert run.status == RunStatus.FAILED
    assert run.attempts == 1 + len(app.config["SYNC_RETRY_INTERVALS"])
    assert not job_of(run).retries_left  # RQ used every retry it was given


@pytest.mark.parametrize(
    ("raised", "ending", "retryable"),
    [
        (StoreUnavailable("x"), StoreUnavailable, True),
        (CredentialsRefused("x"), CredentialsRefused, False),
        (RuntimeError("x"), InternalFailure, False),
        (ValueError("x"), InternalFailure, False),
        # techOMS's Redis restarting mid-run (issue 27): retried like an unreachable store, not "unexpected"
        (RedisConnectionError("Connection refused"), QueueUnavailable, True),
        (RedisTimeout("Timeout reading"), QueueUnavailable, True),
    ],
)
def test_ending_error_classifies_what_an_attempt_raised(raised, ending, retryable):
    error = outcomes.ending_error(raised)
    assert isinstance(error, ending) and error.retryable is retryable


def test_ending_error_classifies_the_connector_errors():
    from connectors.brightsites import errors as bs

    assert isinstance(outcomes.ending_error(bs.AuthenticationError("401")), CredentialsRefused)
    assert isinstance(outcomes.ending_error(bs.PermissionDenied("403")), CredentialsRefused)
    for outage in (bs.Unavailable("503"), bs.RateLimited("429"), bs.HostNotFound("dns")):
        assert isinstance(outcomes.ending_error(outage), StoreUnavailable)
    for channel_fault in (
        bs.InvalidShopDomain("bad"),
        bs.BlockedAddress("private"),
        token_vault.TokenUnreadable(),
    ):
        assert isinstance(outcomes.ending_error(channel_fault), ChannelUnusable)
    for contract in (bs.RedirectRefused("302"), bs.PaginationLimitExceeded("pages"), bs.NotFound("404")):
        assert isinstance(outcomes.ending_error(contract), StoreAnswerUnreadable)


def test_finish_requeues_or_closes_a_run_and_records_the_outcome(simulator, world):
    store = make_store(simulator, seed=1, products=2, orders=3)
    channel = sync_channel(store, world.a.account)
    run = runs.new_run(channel, SyncAction.IMPORT_ORDERS, SyncTrigger.MANUAL)  # worked by hand below
    db.session.add(run)
    runs.mark_running(run)
    run.progress_total, run.progress_done = 10, 4

    runs.finish(run, runs.Outcome(RunStatus.QUEUED, "Store away; will try again.", EventLevel.WARNING))
    assert run.status == RunStatus.QUEUED and run.finished_at is None
    assert run.error_summary == "Store away; will try again." and run.progress_done == 4

    runs.mark_running(run)
    runs.finish(run, runs.Outcome(RunStatus.SUCCEEDED, "Import orders finished."))
    assert run.status == RunStatus.SUCCEEDED and run.finished_at is not None
    assert run.error_summary == "" and run.progress_done == 10 and run.attempts == 2
    assert [(e.level, e.message) for e in run_events(run)] == [
        (EventLevel.WARNING, "Store away; will try again."),
        (EventLevel.INFO, "Import orders finished."),
    ]
