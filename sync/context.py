"""What an action works with during one attempt of a run (`RunContext`): the run, its channel, the store
client and detail fetcher (store-calling actions only), the recorder of the calls, the counts the summary
reads, and the two things every action does: write an event, and checkpoint (save what is done so far);
`RunWork`, the base of a flow's own state, which reads the run, channel and counts through its context."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from connectors.brightsites.client import BrightSitesClient
from extensions import db
from models.activity import EventLevel, RunStatus, SyncEvent, SyncRun
from models.channels import SalesChannel
from models.orders import SalesOrder
from sync import runs
from sync.call_recorder import CallRecorder

# fetch(items, ahead=None) -> what the action's `detail` getter answers for each item (an id's detail JSON by
# default), or the BrightSitesError it raised, in order (sync/executor.py detail_fetcher)
DetailFetch = Callable[..., Iterator[Any]]


@dataclass
class RunContext:
    run: SyncRun
    channel: SalesChannel
    recorder: CallRecorder
    client: BrightSitesClient | None = None  # None for an action that never calls the store
    fetch: DetailFetch | None = None
    counts: Counter = field(default_factory=Counter)
    # The executor itself, for an action that runs another one in place (the inventory export drains waiting
    # pushes first): handed over by the executor, so no action imports it (it imports every action).
    execute: Callable[[int], RunStatus] | None = None

    @property
    def store(self) -> BrightSitesClient:
        """The client, for an action the registry says calls the store."""
        if self.client is None:
            raise RuntimeError(f"{self.run.action.value} has no store client: it does not call the store")
        return self.client

    def details(self, items: Iterable[Any], ahead: int | None = None) -> Iterator[Any]:
        """The action's store calls for `items`, `channel.detail_concurrency` at a time (see `ahead` in
        sync/executor.py detail_fetcher); made on fetch threads, which never touch the database session."""
        if self.fetch is None:
            raise RuntimeError(f"{self.run.action.value} reads no details from the store")
        return self.fetch(items, ahead)

    def event(
        self,
        level: EventLevel,
        message: str,
        *,
        order: SalesOrder | None = None,
        external_order_id: int | None = None,
    ) -> SyncEvent:
        return runs.add_event(self.run, level, message, order=order, external_order_id=external_order_id)

    def checkpoint(self) -> None:
        """Save the work so far with the run's calls and counts, and beat: one transaction per page or batch,
        so a run stopped half-way keeps what it did."""
        self.recorder.flush()
        self.run.api_calls = self.recorder.calls
        self.run.counts = dict(self.counts)
        runs.beat(self.run)
        db.session.commit()


class RunWork:
    """The base of a flow's state over one attempt (a dataclass whose first field is `ctx`): the run, its
    channel and its counts, read through the context."""

    ctx: RunContext

    @property
    def run(self) -> SyncRun:
        return self.ctx.run

    @property
    def channel(self) -> SalesChannel:
        return self.ctx.channel

    @property
    def counts(self) -> Counter:
        return self.ctx.counts
