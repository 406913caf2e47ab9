"""Shop Domain rules and the SSRF guard (security requirement SSRF-01, SSRF-02, SSRF-04).

A Shop Domain is accepted only as a single-label subdomain of mybrightsites.com, or as one of the exact hosts
an operator lists in configuration. Users never supply a URL the server fetches as such: whatever they type is
reduced to a host name, checked, and the client builds https://{host}/api/v2.7.0/... itself.
"""

from __future__ import annotations

import ipaddress
import re
import socket

from connectors.brightsites.errors import BlockedAddress, HostNotFound, InvalidShopDomain

SHOP_DOMAIN_SUFFIX = ".mybrightsites.com"
STORE_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
RESERVED_LABELS = frozenset({"www", "localhost", "api", "docs"})
# inet_aton also accepts hex, octal and shortened dotted forms: 0x7f000001, 2130706433, 0177.1, 127.1
_NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]*|\d+)(?:\.(?:0x[0-9a-f]*|\d+)){0,3}\.?$")
_ALLOWED_CHARS = re.compile(r"^[a-z0-9.\-]+$")

EXAMPLE = "mystore.mybrightsites.com"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ranges refused on top of `not ip.is_global`: some were misclassified by older Pythons (CVE-2024-4032,
# cpython #113171, #119812), and naming them keeps the rule readable.
DENIED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "192.0.0.0/24",
        "198.18.0.0/15",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "64:ff9b::/96",
        "2002::/16",
        "fd00:ec2::254/128",
    )
)


def _refuse(reason: str) -> InvalidShopDomain:
    return InvalidShopDomain(f"{reason} Enter the store's address, for example {EXAMPLE}.")


def _strip_scheme_and_path(text: str) -> str:
    if "://" in text:
        scheme, text = text.split("://", 1)
        if scheme not in ("https", "http"):
            raise _refuse("Only a web address of the store is accepted.")
    if "\\" in text:
        raise _refuse("The address contains a backslash.")
    boundary = re.search(r"[/?#]", text)
    host, tail = (text[: boundary.start()], text[boundary.start() :]) if boundary else (text, "")
    if "?" in tail or "#" in tail:
        raise _refuse("The address must not contain a query or fragment.")
    if ".." in tail or "%" in tail:
        raise _refuse("The address contains a path that is not allowed.")
    return host


def _check_host_syntax(host: str) -> None:
    if not host:
        raise _refuse("The address is empty.")
    if "@" in host:
        raise _refuse("The address must not contain a user name or password.")
    if host.startswith("[") or ":" in host:
        raise _refuse("The address must not contain a port or an IP address.")
    if host.endswith("."):
        raise _refuse("The address must not end with a dot.")
    if _NUMERIC_HOST.match(host):
        raise _refuse("IP addresses are not accepted.")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise _refuse("IP addresses are not accepted.")
    if not _ALLOWED_CHARS.match(host) or ".." in host or host.startswith("."):
        raise _refuse("The address contains characters that are not allowed.")
    if any(label.startswith("xn--") for label in host.split(".")):
        raise _refuse("Internationalised (punycode) addresses are not accepted.")


def normalise_shop_domain(value: object, extra_hosts: frozenset[str] = frozenset()) -> str:
    """`mystore`, `MyStore.mybrightsites.com`, `https://mystore.mybrightsites.com/x`
    -> `mystore.mybrightsites.com`.

    `extra_hosts` are exact host names an operator allows in configuration (white-label deployments).
    Raises InvalidShopDomain with a message that can be shown to the user.
    """
    if not isinstance(value, str) or not value.strip():
        raise _refuse("The Shop Domain is empty.")
    text = value.strip()
    if not text.isascii():
        raise _refuse("Internationalised addresses are not accepted.")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise _refuse("The address must not contain spaces or control characters.")
    host = _strip_scheme_and_path(text.lower())
    _check_host_syntax(host)
    allowed_extra = {h.strip().lower() for h in extra_hosts}
    if host in allowed_extra:
        return host
    if "." not in host:
        host += SHOP_DOMAIN_SUFFIX
    if not host.endswith(SHOP_DOMAIN_SUFFIX):
        raise _refuse("Only Bright Sites stores (*.mybrightsites.com) can be connected.")
    label = host[: -len(SHOP_DOMAIN_SUFFIX)]
    if "." in label:
        raise _refuse("Only a store's own address (one name before .mybrightsites.com) is accepted.")
    if not STORE_LABEL.match(label) or label in RESERVED_LABELS:
        raise _refuse("This is not a valid store name.")
    return host


def is_public_address(address: IPAddress) -> bool:
    """True only for globally routable unicast addresses; IPv4-mapped IPv6 is judged as the IPv4 inside."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not address.is_global or address.is_multicast:
        return False
    return not any(address.version == net.version and address in net for net in DENIED_NETWORKS)


def resolve_public_addresses(host: str, port: int = 443) -> list[IPAddress]:
    """Resolve `host` once; refuse it when any answer is non-public (a mixed answer cannot slip through)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise HostNotFound(f"The store's host name does not resolve: {host}") from None
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise HostNotFound(f"The store's host name does not resolve: {host}")
    for address in addresses:
        if not is_public_address(address):
            raise BlockedAddress(f"The store's host name resolves to a non-public address: {host}")
    return addresses
