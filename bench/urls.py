"""The project's URLs plus /bench/bare/: a bare DRF view, the reference the checklist endpoints are measured against.

BareApi goes through the same middleware and the same DRF settings (renderer, parsers, exception
handler, no authentication) as the API, and returns a fixed JSON dict of about 1 KB built once at
import: what a request costs before any work of the project's own.
"""

from django.http import HttpResponse
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


# The reference for bench.pages: a page of HTML fixed at import, through the same middleware as the
# resident pages (sessions, locale, CSRF, CSP …) but with no template, query or catalogue behind it.
STATIC_PAGE = (
    '<!doctype html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n'
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    '<title>手続ナビ</title>\n<link rel="stylesheet" href="/static/navi/navi.css">\n</head>\n'
    '<body>\n<main id="main">\n<h1>手続ナビ</h1>\n'
    + "".join(f"<p>静的なページの段落 {i}。引越し・出生・死亡の手続きを調べます。</p>\n" for i in range(40))
    + "</main>\n</body>\n</html>\n"
).encode()


def static_page(request):
    return HttpResponse(STATIC_PAGE, content_type="text/html; charset=utf-8")


urlpatterns.append(path("bench/static-page/", static_page, name="bench-static-page"))
