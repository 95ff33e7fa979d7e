"""Where a webhook may go: https URLs of public hosts only.

A webhook URL is typed by a customer and fetched by our servers, so it must not reach what
only our servers can: loopback, private networks, link-local addresses (cloud metadata at
169.254.169.254), multicast, reserved ranges. The host is resolved once per attempt, every
address it resolves to is checked, and the request goes to the checked address (so a DNS
answer that changes between the check and the connection cannot redirect it).
`WEBHOOKS_ALLOW_PRIVATE_ADDRESSES` lifts the address check for tests and local development.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class AddressRefused(Exception):
    """The URL may not be called; the message says why, for the delivery log."""


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        return True
    return ip.is_global and not ip.is_multicast


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a webhook endpoint, without looking its host up; None if it can."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _("Enter a valid URL.")
    if parts.scheme != "https":
        return _("The URL must start with https://: deliveries are signed, and sent encrypted.")
    if not parts.hostname:
        return _("Enter a valid URL.")
    if parts.username or parts.password:
        return _("Leave the user name and password out of the URL: deliveries are signed.")
    if port == 0:
        return _("Enter a valid URL.")
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        name = parts.hostname.rstrip(".").lower()
        local = name in {"localhost", "localhost.localdomain"} or name.endswith(".localhost")
        if local and not settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
            return _("This address is not reachable from the internet.")
        return None
    if not address_allowed(str(literal)):
        return _("This address is not reachable from the internet.")
    return None


def addresses_resolve(host: str, port: int) -> list[str]:
    """The host's addresses, all of them allowed, or AddressRefused."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefused(_("The host name could not be resolved.")) from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses:
        raise AddressRefused(_("The host name could not be resolved."))
    refused = [address for address in addresses if not address_allowed(address)]
    if refused:
        raise AddressRefused(
            _("The host resolves to an address that is not reachable from the internet (%s).")
            % ", ".join(refused)
        )
    return addresses
