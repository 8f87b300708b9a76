from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path
from django.views.defaults import page_not_found
from django_otp.admin import OTPAdminSite
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from navi.api_errors import NOT_FOUND_MESSAGE


def not_found(request, exception=None):
    """JSON under /api/ (a malformed checklist link gives the same answer as an unknown one)."""
    if request.path.startswith("/api/v1/checklists/"):
        return JsonResponse({"errors": {"detail": [NOT_FOUND_MESSAGE]}}, status=404)
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": {"detail": ["Not found."]}}, status=404)
    return page_not_found(request, exception)


def health(request):
    return JsonResponse({"status": "ok"})


# The admin asks for the second factor too: a superuser signs in with a password and a TOTP code.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("admin/", admin.site.urls),
    path("staff/audit/", include("audit.urls")),
    path("api/v1/", include("navi.urls")),
    path("api/v1/", include("reminders.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("health/", health, name="health"),
    path("staff/", include("staff.urls")),
    path("counter/", include("counter.urls")),
    path("studio/", include("studio.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("reminders.urls")),
    path("", include("navi.pages.checklist_urls")),
    path("", include("navi.pages.questionnaire_urls")),
]

handler404 = not_found
