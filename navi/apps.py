from django.apps import AppConfig


class NaviConfig(AppConfig):
    name = "navi"
    verbose_name = "Resident checklists"
