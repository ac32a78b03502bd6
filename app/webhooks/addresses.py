"""Which addresses an endpoint may have, so that webhooks cannot be aimed inside the network
(server-side request forgery).

An address must be ``https://``; with ``JP_WEBHOOK_ALLOW_LOCAL=1`` (tests and development) also
``http://`` to the machine itself (``127.0.0.1``, ``::1``, ``localhost``). Its host must resolve
only to public addresses: loopback, private, link-local (cloud metadata at 169.254.169.254),
shared, multicast, reserved and unspecified ones are refused, except the machine itself when
local addresses are allowed. The form checks the address's shape and a literal IP address when
it is saved; the dispatcher resolves the name and checks every address it resolves to before
every attempt (a name can be pointed elsewhere later) and connects to the address it checked
(``pinned``: the name stays in the Host header and in TLS's server name, so the certificate is
checked against it), so a name cannot resolve to a public address when checked and a private
one when connected (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_URL = 2000


_INSIDE = "Jointplan does not send webhooks to itself or to addresses of a private network."


class AddressRefused(Exception):
    """Why the address may not be used, phrased for the admin."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_form(url: str, *, allow_local: bool) -> None:
    """The address's shape (no lookup): raises ``AddressRefused``."""
    if len(url) > MAX_URL:
        raise AddressRefused(f"Use an address of at most {MAX_URL} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise AddressRefused("This is not a web address.") from exc
    host = (parts.hostname or "").lower()
    if not host or parts.scheme not in ("https", "http"):
        raise AddressRefused("Use an address that starts with https://")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("Leave the user name and password out of the address.")
    if parts.scheme == "http" and not (allow_local and host in LOCAL_NAMES):
        raise AddressRefused("Use an address that starts with https://")
    if port == 0:
        raise AddressRefused("This is not a web address.")
    if host in LOCAL_NAMES and not allow_local:
        raise AddressRefused(_INSIDE)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return  # a name: resolved and checked before every delivery
    if _refused(literal, allow_local):
        raise AddressRefused(_INSIDE)


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_local: bool) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return not allow_local
    return not address.is_global or address.is_multicast


def resolve(url: str, *, allow_local: bool) -> list[str]:
    """Check the address and every address its host resolves to (raises ``AddressRefused``);
    the resolved addresses."""
    check_form(url, allow_local=allow_local)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise AddressRefused(f"The name {host} cannot be found.") from exc
    addresses = sorted({str(info[4][0]) for info in found})
    for text in addresses:
        if _refused(ipaddress.ip_address(text.split("%", 1)[0]), allow_local):
            raise AddressRefused(
                f"{host} is an address inside a private network ({text}); Jointplan sends "
                "webhooks only to public addresses."
            )
    return addresses


def pinned(url: str, address: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """``url`` with its host replaced by the checked ``address``, the Host header, and for
    https the TLS server name (``sni_hostname``: the certificate is verified for the name)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = address.split("%", 1)[0]
    at = f"[{literal}]" if ":" in literal else literal
    netloc = f"{at}:{parts.port}" if parts.port else at
    name = f"{host}:{parts.port}" if parts.port else host
    if ":" in host:  # an IPv6 literal in the address itself
        name = f"[{host}]:{parts.port}" if parts.port else f"[{host}]"
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    return parts._replace(netloc=netloc).geturl(), {"Host": name}, extensions
