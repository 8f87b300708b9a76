from django import template

from staff import permissions

register = template.Library()


@register.filter
def can(user, capability: str) -> bool:
    """{% if user|can:"counter.use" %}: for showing links only; the views and services decide."""
    return permissions.has_capability(user, capability)


@register.filter
def fully_signed_in(user) -> bool:
    """Logged in and owing no second factor."""
    return user.is_authenticated and permissions.second_factor_pending(user) is None
