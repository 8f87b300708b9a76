from django.urls import path

from . import journey_funnel, views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("2fa/verify/", views.second_factor_verify, name="2fa-verify"),
    path("2fa/setup/", views.second_factor_setup, name="2fa-setup"),
    path("2fa/recovery-codes/", views.recovery_codes, name="2fa-recovery-codes"),
    path("2fa/disable/", views.second_factor_disable, name="2fa-disable"),
    path("account/", views.account, name="account"),
    path("account/password/", views.password_change, name="password-change"),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<int:pk>/", views.user_detail, name="user-detail"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user-unlock"),
    path("users/<int:pk>/reset-2fa/", views.user_second_factor_reset, name="user-2fa-reset"),
    path("journey/", journey_funnel.funnel_page, name="journey-funnel"),
    path("journey/export.csv", journey_funnel.funnel_export, name="journey-funnel-export"),
]
