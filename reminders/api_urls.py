from django.urls import path

from . import api

app_name = "reminders_api"

urlpatterns = [
    path("checklists/<str:token>/reminders/", api.RemindersApi.as_view(), name="reminders"),
    path("checklists/<str:token>/reminders/email/", api.EmailOptInApi.as_view(), name="email"),
    path("checklists/<str:token>/reminders/push/", api.PushOptInApi.as_view(), name="push"),
    path("checklists/<str:token>/reminders/<str:pk>/", api.ContactApi.as_view(), name="contact"),
]
