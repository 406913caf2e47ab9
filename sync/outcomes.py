"""How an attempt of a run ends (`Outcome`), and what an exception raised by an attempt means for the run.

What the attempt raised (error type)              Run ends          Event                   RQ retries
------------------------------------------------  ----------------  ----------------------  ----------
nothing: the action finished (orders that         Succeeded, or     Info: the summary       no
  failed wait in PendingOrder for later runs)     Partial
store unreachable: 5xx, 429, timeout, DNS, too    Queued again      Warning: "techOMS       yes
  many failed details (StoreUnavailable), with                      will try again"
  attempts left
the same on the last attempt                      Failed            Fatal: "No attempts     no
                                                                    left"
token refused, 401/403 (CredentialsRefused)       Failed, and       Error                   no
                                                  scheduled runs
                                                  pause
token unreadable, shop domain refused by the      Failed            Error                   no
  client, host with a non-public address
  (ChannelUnusable)
store answered against the API contract           Failed            Fatal                   no
  (StoreAnswerUnreadable)
any other exception: a failure inside techOMS     Failed            Fatal; the traceback    no
  (InternalFailure)                                                 goes to the log
the channel was deleted before the run started    Failed            Error                   no
a scheduled run while the store's circuit         Failed, no call   Warning                 no
  breaker is open (sync/breaker.py)

An action may read some exceptions its own way first (`Action.ending` in sync/actions.py); a new kind of
ending is one more case in `ending_error` (and, if it is worth retrying, a RunEnding with `retryable`).
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.brightsites import errors as bs_errors
from models.activity import EventLevel, RunStatus
from services.channels import token_vault
from sync.errors import (
    ChannelUnusable,
    CredentialsRefused,
    InternalFailure,
    RunEnding,
    StoreAnswerUnreadable,
    StoreUnavailable,
)


@dataclass(frozen=True)
class Outcome:
    """How one attempt of a run ended: the run's status after it (QUEUED: it will be tried again), and the
    message recorded as an event at `level` (and, for a failure, as the run's error summary)."""

    status: RunStatus
    message: str
    level: EventLevel = EventLevel.INFO

    @property
    def failed(self) -> bool:
        return self.status in (RunStatus.FAILED, RunStatus.QUEUED)


def ending_error(error: Exception) -> RunEnding:
    """What an exception raised by an attempt means for the run (the table in the module docstring)."""
    match error:
        case RunEnding():
            return error
        case bs_errors.AuthenticationError() | bs_errors.PermissionDenied():
            return CredentialsRefused(str(error))
        case bs_errors.Unavailable() | bs_errors.RateLimited() | bs_errors.HostNotFound():
            return StoreUnavailable(str(error))
        case token_vault.TokenUnreadable():
            return ChannelUnusable(str(error))
        case bs_errors.InvalidShopDomain():
            return ChannelUnusable(f"The channel's shop domain is refused: {error.message}")
        case bs_errors.BlockedAddress():
            return ChannelUnusable(str(error))
        case bs_errors.BrightSitesError():
            return StoreAnswerUnreadable(str(error))
        case _:
            return InternalFailure(type(error).__name__)


def failure_outcome(error: RunEnding, attempts_left: int) -> Outcome:
    """The run's ending for a RunEnding: queued again while a retryable one has attempts left, else failed."""
    if not error.retryable:
        return Outcome(RunStatus.FAILED, error.message, error.level)
    if attempts_left > 0:
        return Outcome(
            RunStatus.QUEUED,
            f"{error.message} techOMS will try again ({attempts_left} attempt(s) left).",
            EventLevel.WARNING,
        )
    return Outcome(RunStatus.FAILED, f"{error.message} No attempts left.", error.level)
