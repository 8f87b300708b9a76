"""Writing the audit log: one row per view of personal data and per change made by staff."""

import ipaddress

from audit.models import AuditEvent
from staff.network import client_ip
from staff.permissions import roles_of


def audit_record(
    *, user, action: str, target_type: str, target_id: str, ip: str | None, detail: dict | None = None
) -> AuditEvent:
    """Who (with the username and roles they have now, copied), what, which record, when, from where.

    Call it inside the transaction of the change it records, so that a change rolled back
    leaves no trace claiming it happened. An unparsable address is stored as unknown (None).
    """
    known = user if user is not None and user.is_authenticated else None
    return AuditEvent.objects.create(
        user=known,
        username=known.get_username() if known else "",
        roles=",".join(sorted(roles_of(known))) if known else "",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        ip=_ip_or_none(ip),
        detail=detail or {},
    )


def audit_from_request(request, *, action: str, target_type: str, target_id: str, detail: dict | None = None):
    """audit_record with the request's user and client address (see staff.network.client_ip)."""
    return audit_record(
        user=request.user,
        action=action,
        target_type=target_type,
        target_id=target_id,
        ip=client_ip(request),
        detail=detail,
    )


def _ip_or_none(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((ip or "").strip()))
    except ValueError:
        return None
