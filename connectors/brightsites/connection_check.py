"""test_connection(): can techOMS read this store, and can it write back shipments and stock?

Two billed calls at most, neither retried:

1. `GET /shipping_methods`: the cheapest read (one small unpaginated list). 404 means no such store, 401 a
   refused token.
2. A write probe. The API has no endpoint that reports a token's permissions, so we send a documented write
   that cannot change anything: `PUT /orders/0` with an invalid status. Order 0 never exists and the status
   fails enum validation before any change, so a read/write token gets 404 (or 422), while a read-only token
   is refused with 403 [ASSUMPTION A.2]. Since step 1 proved the token valid, a 401 here also means
   "not allowed to write".

The report's message is fixed text: nothing from the store's answer is echoed (SSRF-06).
"""

from __future__ import annotations

from connectors.brightsites import errors
from connectors.brightsites.results import ConnectionReport
from connectors.brightsites.store_calls import StoreCaller

STORE_NOT_FOUND = "Store not found."
TOKEN_REFUSED = "The access token was refused."  # noqa: S105 (a message, not a secret)
UNREACHABLE = "The store could not be reached."
ADDRESS_NOT_ALLOWED = "The store's address is not allowed."
UNEXPECTED = "The store answered in an unexpected way."
READ_ONLY = "Token is read-only: techOMS will not be able to send shipments and stock."
WRITE_UNKNOWN = "Connected, but write permission could not be checked."
CONNECTED = "Connected."

PROBE_STATUS = "techoms_permission_probe"  # not a Bright Sites status: the store must refuse it with 422


def _read_failure(error: errors.BrightSitesError) -> ConnectionReport:
    if isinstance(error, errors.HostNotFound | errors.NotFound):
        return ConnectionReport(reachable=False, authenticated=False, can_write=None, message=STORE_NOT_FOUND)
    if isinstance(error, errors.AuthenticationError | errors.PermissionDenied):
        return ConnectionReport(reachable=True, authenticated=False, can_write=None, message=TOKEN_REFUSED)
    if isinstance(error, errors.BlockedAddress):
        return ConnectionReport(
            reachable=False, authenticated=False, can_write=None, message=ADDRESS_NOT_ALLOWED
        )
    if isinstance(error, errors.TryAgainLater):
        return ConnectionReport(reachable=False, authenticated=False, can_write=None, message=UNREACHABLE)
    return ConnectionReport(reachable=True, authenticated=False, can_write=None, message=UNEXPECTED)


def check_connection(client: StoreCaller) -> ConnectionReport:
    try:
        client.request("GET", "/shipping_methods", retry=False)
    except errors.BrightSitesError as error:
        return _read_failure(error)
    try:
        client.request(
            "PUT",
            "/orders/{order_id}",
            ids={"order_id": 0},
            body={"order": {"status": PROBE_STATUS}},
            retry=False,
        )
    except (errors.NotFound, errors.ValidationFailed):
        return ConnectionReport(reachable=True, authenticated=True, can_write=True, message=CONNECTED)
    except (errors.PermissionDenied, errors.AuthenticationError):
        return ConnectionReport(reachable=True, authenticated=True, can_write=False, message=READ_ONLY)
    except errors.BrightSitesError:
        return ConnectionReport(reachable=True, authenticated=True, can_write=None, message=WRITE_UNKNOWN)
    # A 2xx would mean the store accepted an impossible update; treat write access as proven.
    return ConnectionReport(reachable=True, authenticated=True, can_write=True, message=CONNECTED)
