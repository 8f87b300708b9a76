"""The client's address, decided in one place for the IP allow-list, the login lockout and the audit log."""

import ipaddress
from functools import lru_cache

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or with CLIENT_IP_PROXY_COUNT reverse proxies in front, the address the
    outermost of them saw (proxies append to X-Forwarded-For; entries before theirs are the
    client's own claims and are ignored)."""
    proxies = settings.CLIENT_IP_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def staff_network_allows(ip: str | None) -> bool:
    """STAFF_ALLOWED_NETWORKS (CIDRs) holds the address; an empty list allows every address."""
    cidrs = tuple(settings.STAFF_ALLOWED_NETWORKS)
    if not cidrs:
        return True
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in _networks(cidrs))
