"""The HTTP session of the client: no environment proxies, fixed User-Agent, no urllib3 retries, and for
real stores a connection that goes only to an address vetted by the SSRF guard (security SSRF-03/04).

Pinning works like saleor/requests-hardened: the connection resolves the host itself, refuses non-public
answers, and connects to a vetted IP, while TLS still uses the host name for SNI and certificate checks.
Checking at connect time (rather than once up front) closes the DNS-rebinding window.
"""

from __future__ import annotations

import socket

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection

from connectors.brightsites.errors import ResponseTooLarge
from connectors.brightsites.hosts import resolve_public_addresses

USER_AGENT = "techOMS-BrightSites/1.0 (+https://techoms.example/sales-channels)"
_CHUNK = 64 * 1024


class PinnedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        last_error: OSError | None = None
        for address in resolve_public_addresses(self._dns_host, self.port):
            try:
                return connection.create_connection(
                    (str(address), self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                raise ConnectTimeoutError(self, f"Connection to {self.host} timed out") from exc
            except OSError as exc:
                last_error = exc
        raise NewConnectionError(self, f"Failed to establish a new connection: {last_error}")


class PinnedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = PinnedHTTPSConnection


class PinnedHTTPSAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]
        self.poolmanager.pool_classes_by_scheme = {"https": PinnedHTTPSConnectionPool}


def build_session(*, pinned: bool) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxies or .netrc from the environment
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
    # urllib3 retries stay off: retries are decided by RetryPolicy, which caps Retry-After and counts calls
    session.mount("http://", HTTPAdapter(max_retries=0))
    session.mount("https://", PinnedHTTPSAdapter(max_retries=0) if pinned else HTTPAdapter(max_retries=0))
    return session


def read_capped(response: requests.Response, max_bytes: int) -> bytes:
    """Read a streamed body, refusing it once it passes max_bytes (after decompression)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(f"The response is larger than {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise ResponseTooLarge(f"The response is larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
