"""A resolver for the reserved test domain: this machine (and CI) has no DNS, and a webhook's host must
resolve when it is saved. Names under example.com (RFC 2606) resolve to example.com's public documentation
address; every other name goes to the real resolver, so `.invalid` still fails and internal addresses are
still refused. Deliveries in tests go to a local receiver through WEBHOOK_ROUTE_TO, never to this address."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

EXAMPLE_ADDRESS = "93.184.215.14"  # public, so the SSRF guard treats it as any internet host


@contextmanager
def example_domain_resolves() -> Iterator[None]:
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if isinstance(name, str) and (name == "example.com" or name.endswith(".example.com")):
            return real(EXAMPLE_ADDRESS, port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.getaddrinfo = real
