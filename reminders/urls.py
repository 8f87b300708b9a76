from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("c/<str:token>/reminders/", views.manage, name="manage"),
    path("c/<str:token>/reminders/email/", views.email_optin, name="email"),
    path("c/<str:token>/reminders/push/", views.push_subscribe, name="push"),
    path("c/<str:token>/reminders/<str:pk>/stop/", views.contact_stop, name="stop"),
    path("r/confirm/<str:signed>/", views.confirm, name="confirm"),
    path("r/unsubscribe/<str:signed>/", views.unsubscribe, name="unsubscribe"),
]
