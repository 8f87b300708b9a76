from django.urls import path

from . import funnel_report

app_name = "journey_funnel"

urlpatterns = [
    path("", funnel_report.funnel_page, name="report"),
    path("export.csv", funnel_report.funnel_export, name="export"),
]
