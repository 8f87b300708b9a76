"""The project's URLs plus /bench/bare/: a bare DRF view, the reference the checklist endpoints are measured against.

BareApi goes through the same middleware and the same DRF settings (renderer, parsers, exception
handler, no authentication) as the API, and returns a fixed JSON dict of about 1 KB built once at
import: what a request costs before any work of the project's own.
"""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as project_urlpatterns

BARE_PAYLOAD = {
    "service": "手続ナビ bench",
    "items": [
        {"key": f"item_{i:02d}", "status": "required", "deadline": "2026-12-01", "done": False, "rank": i}
        for i in range(12)
    ],
}


class BareApi(APIView):
    def get(self, request):
        return Response(BARE_PAYLOAD)


urlpatterns = [
    *project_urlpatterns,
    path("bench/bare/", BareApi.as_view(), name="bench-bare"),
]
