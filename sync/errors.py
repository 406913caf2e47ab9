"""The errors that end a sync run's attempt, each with what it means for the run.

`sync/outcomes.py` turns whatever an attempt raised into one of these (`ending_error`) and the executor ends
the run from it; the table of what each one does to the run is in that module's docstring. Their text is
shown on the run and in its events, so it never carries a token, a URL or customer data.
"""

from __future__ import annotations

from models.activity import EventLevel


class RunEnding(Exception):
    """An attempt of a run cannot go on. `retryable`: a later attempt may succeed (the store may come back);
    otherwise the run fails at once. `level`: the level of the event that records it."""

    retryable = False
    level = EventLevel.ERROR

    @property
    def message(self) -> str:
        return str(self)


class StoreUnavailable(RunEnding):
    """The store cannot be read right now (after the client's own retries): 5xx, 429, timeouts, DNS, or too
    many orders whose detail failed. The run is tried again later."""

    retryable = True
    level = EventLevel.FATAL

    @property
    def message(self) -> str:
        return f"The store could not be reached: {self}"


class CredentialsRefused(RunEnding):
    """401/403: retrying cannot help, the token must be replaced; scheduled runs pause until then."""

    @property
    def message(self) -> str:
        return (
            f"The store refused the access token ({self}). Replace the token in Advanced settings; "
            "the run was not retried and scheduled runs are paused until then."
        )


class ChannelUnusable(RunEnding):
    """The channel's own settings cannot be used: the stored token cannot be decrypted, or the client refuses
    its shop domain (not a Bright Sites address, or a non-public address): only editing the channel helps."""

    @property
    def message(self) -> str:
        return f"{self} The run was not retried: fix the channel's settings, then run it again."


class StoreAnswerUnreadable(RunEnding):
    """The store answered, but not as the API contract says (a redirect, an unexpected status or body, a
    listing that never ends). Trying again gets the same answer."""

    level = EventLevel.FATAL

    @property
    def message(self) -> str:
        return f"The store answered in an unexpected way: {self}"


class InternalFailure(RunEnding):
    """A failure inside techOMS (a bug): logged with its traceback; the run says only that."""

    level = EventLevel.FATAL

    @property
    def message(self) -> str:
        return "Unexpected failure inside techOMS; it has been logged."
