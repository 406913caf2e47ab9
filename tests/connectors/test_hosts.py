"""Shop Domain validation and the public-address check (security requirement SSRF-01, -02, -04)."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from connectors.brightsites import BlockedAddress, BrightSitesClient, HostNotFound, InvalidShopDomain
from connectors.brightsites.hosts import is_public_address, normalise_shop_domain, resolve_public_addresses

HOSTILE = [
    "",
    "   ",
    "127.0.0.1",
    "localhost",
    "localhost.localdomain",
    "[::1]",
    "::1",
    "[::ffff:127.0.0.1]",
    "0x7f000001",
    "2130706433",
    "017700000001",
    "127.1",
    "0177.0.0.1",
    "0",
    "169.254.169.254",
    "http://169.254.169.254/latest/meta-data/",
    "acme.mybrightsites.com:8080",
    "acme.mybrightsites.com:443",
    "https://acme.mybrightsites.com:443/",
    "acme.mybrightsites.com.evil.io",
    "evilmybrightsites.com",
    "mybrightsites.com",
    ".mybrightsites.com",
    "acme.mybrightsites.com@evil.io",
    "https://user:pass@acme.mybrightsites.com/",
    "evil.io#@acme.mybrightsites.com",
    "acme.mybrightsites.com/../x",
    "https://acme.mybrightsites.com/%2e%2e/admin",
    "acme.mybrightsites.com?x=1",
    "https://acme.mybrightsites.com/?token=abc",
    "xn--80ak6aa92e.mybrightsites.com",
    "xn--mybrightsites-abc.com",
    "äcme.mybrightsites.com",
    "acme.mybrightsites.com.",
    "acme..mybrightsites.com",
    "a.b.mybrightsites.com",
    "-acme.mybrightsites.com",
    "acme-.mybrightsites.com",
    "acme_store.mybrightsites.com",
    "ftp://acme.mybrightsites.com",
    "file:///etc/passwd",
    "gopher://acme.mybrightsites.com",
    "acme mybrightsites.com",
    "acme.mybrightsites.com\r\nHost: evil.io",
    "acme.mybrightsites.com\\@evil.io",
    "www.mybrightsites.com",
    "a" * 64 + ".mybrightsites.com",
    "acme.mybrightsites.co",
    "acme.mybrightsites.com.localhost",
    None,
    12345,
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_shop_domains_are_refused(value):
    with pytest.raises(InvalidShopDomain) as caught:
        normalise_shop_domain(value)

    assert "mystore.mybrightsites.com" in caught.value.message  # the user is told what to type


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mystore", "mystore.mybrightsites.com"),
        ("MyStore", "mystore.mybrightsites.com"),
        ("MyStore.mybrightsites.com", "mystore.mybrightsites.com"),
        ("  mystore.mybrightsites.com  ", "mystore.mybrightsites.com"),
        ("https://mystore.mybrightsites.com/x", "mystore.mybrightsites.com"),
        ("https://mystore.mybrightsites.com/", "mystore.mybrightsites.com"),
        ("http://MYSTORE.mybrightsites.com", "mystore.mybrightsites.com"),
        ("my-store-2", "my-store-2.mybrightsites.com"),
        ("a", "a.mybrightsites.com"),
        ("a" * 63, "a" * 63 + ".mybrightsites.com"),
    ],
)
def test_valid_shop_domains_are_normalised(value, expected):
    assert normalise_shop_domain(value) == expected


def test_operator_listed_hosts_are_accepted_exactly():
    extra = frozenset({"store.shopepromos.com"})

    assert normalise_shop_domain("https://Store.ShopEPromos.com/", extra) == "store.shopepromos.com"
    with pytest.raises(InvalidShopDomain):
        normalise_shop_domain("other.shopepromos.com", extra)
    with pytest.raises(InvalidShopDomain):
        normalise_shop_domain("store.shopepromos.com:8443", extra)


def test_the_client_applies_the_same_rules():
    with pytest.raises(InvalidShopDomain):
        BrightSitesClient("acme.mybrightsites.com.evil.io", "token")
    assert BrightSitesClient("ACME", "token").shop_domain == "acme.mybrightsites.com"


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.5",
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "127.255.255.254",
        "0.0.0.0",  # noqa: S104 (an address to refuse, nothing binds here)
        "0.1.2.3",
        "100.64.1.1",
        "169.254.169.254",
        "192.0.0.8",
        "198.18.0.1",
        "198.19.255.255",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fc00::1",
        "fd00:ec2::254",
        "fe80::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",
        "2002:a00:1::1",
        "2001:db8::1",
    ],
)
def test_non_public_addresses_are_refused(address):
    assert is_public_address(ipaddress.ip_address(address)) is False


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert is_public_address(ipaddress.ip_address(address)) is True


def _fake_getaddrinfo(*answers: str):
    def getaddrinfo(host, port, *args, **kwargs):
        family = {4: socket.AF_INET, 6: socket.AF_INET6}
        return [
            (family[ipaddress.ip_address(a).version], socket.SOCK_STREAM, 6, "", (a, port)) for a in answers
        ]

    return getaddrinfo


@pytest.mark.parametrize("answer", ["10.0.0.5", "::ffff:127.0.0.1", "100.64.1.1", "169.254.169.254", "::1"])
def test_resolver_refuses_private_answers(monkeypatch, answer):
    monkeypatch.setattr(socket, "getaddrinfo", _fake_getaddrinfo(answer))

    with pytest.raises(BlockedAddress):
        resolve_public_addresses("acme.mybrightsites.com")


def test_resolver_refuses_a_mixed_answer(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", _fake_getaddrinfo("93.184.215.14", "10.0.0.5"))

    with pytest.raises(BlockedAddress):
        resolve_public_addresses("acme.mybrightsites.com")


def test_resolver_returns_public_answers(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", _fake_getaddrinfo("93.184.215.14"))

    assert resolve_public_addresses("acme.mybrightsites.com") == [ipaddress.ip_address("93.184.215.14")]


def test_unresolvable_host(monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)

    with pytest.raises(HostNotFound):
        resolve_public_addresses("nosuchstore.mybrightsites.com")


def test_client_checks_the_address_before_connecting(monkeypatch):
    """Unrouted client: a store resolving to a private address is refused before any socket opens."""
    connects: list[object] = []
    monkeypatch.setattr(socket, "getaddrinfo", _fake_getaddrinfo("10.0.0.5"))
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: connects.append(address))
    client = BrightSitesClient("acme", "secret-token-value", max_retries=0)

    with pytest.raises(BlockedAddress) as caught:
        client.list_shipping_methods()

    assert connects == []
    assert "secret-token-value" not in str(caught.value)
    assert client.calls == 1


def test_client_connects_to_the_vetted_address(monkeypatch):
    """The connection goes to the IP the guard approved (no second, rebindable lookup)."""
    from urllib3.util import connection

    targets: list[tuple[str, int]] = []

    def refuse(address, *args, **kwargs):
        targets.append(address)
        raise ConnectionRefusedError("refused in test")

    monkeypatch.setattr(socket, "getaddrinfo", _fake_getaddrinfo("93.184.215.14"))
    monkeypatch.setattr(connection, "create_connection", refuse)
    client = BrightSitesClient("acme", "secret-token-value", max_retries=0)

    report = client.test_connection()

    assert targets == [("93.184.215.14", 443)]
    assert report.message == "The store could not be reached."
