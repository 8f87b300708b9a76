from django import template

from procedures.selectors import catalogue_version_in_force, compiled_catalogue

register = template.Library()


@register.filter
def life_event_names(codes) -> str:
    """{{ case.life_events|life_event_names }}: 引越し（転入・転出・転居）・出生 …"""
    catalogue = compiled_catalogue(catalogue_version_in_force())
    return "・".join(
        catalogue.text(catalogue.life_events[c]["name"], "ja") if c in catalogue.life_events else c for c in codes
    )
