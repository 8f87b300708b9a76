from django.urls import path

from . import views

app_name = "counter"

urlpatterns = [
    path("", views.home, name="home"),
    path("intake/", views.intake, name="intake"),
    path("cases/new", views.case_new, name="case-new"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/personal/", views.case_personal, name="case-personal"),
    path("cases/<int:pk>/forms/", views.case_forms, name="case-forms"),
    path("cases/<int:pk>/forms.pdf", views.case_forms_pdf, name="case-forms-pdf"),
    path("cases/<int:pk>/forms/<slug:code>.pdf", views.case_forms_pdf, name="case-form-pdf"),
    path("cases/<int:pk>/slip/", views.case_slip, name="case-slip"),
    path("cases/<int:pk>/slip.pdf", views.case_slip_pdf, name="case-slip-pdf"),
    path("queues/<str:department>/", views.queue, name="queue"),
    path("visits/<int:pk>/done", views.visit_done, name="visit-done"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard.csv", views.dashboard_csv, name="dashboard-csv"),
]
