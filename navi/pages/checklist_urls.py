from django.urls import path  # noqa: F401

app_name = "checklist_pages"

urlpatterns: list = []
