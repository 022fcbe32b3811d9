"""The client address the admin login throttle (django-axes) counts failures by."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """
    REMOTE_ADDR, or behind SFNS_PROXY_COUNT reverse proxies the address the outermost of them
    received the request from: each proxy appends its peer to X-Forwarded-For, so that one is
    SFNS_PROXY_COUNT entries from the right; entries further left were sent by the client and
    prove nothing. A header shorter than that, or not an address there, did not come through
    the proxies: then REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR")
    hops = settings.SFNS_PROXY_COUNT
    if not hops:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < hops:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-hops]))
    except ValueError:
        return remote
