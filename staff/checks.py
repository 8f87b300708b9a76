import ipaddress

from django.conf import settings
from django.core.checks import Error, register


@register()
def staff_networks_check(app_configs, **kwargs):
    """A mistyped allow-list entry must stop the deploy, not silently lock everyone out."""
    errors = []
    for cidr in settings.STAFF_ALLOWED_NETWORKS:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            errors.append(Error(f"STAFF_ALLOWED_NETWORKS: {cidr!r} is not an IP network", id="staff.E001"))
    return errors
