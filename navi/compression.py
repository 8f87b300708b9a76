"""Resident pages are sent gzipped to browsers that accept it (a checklist is ~135 KB of HTML, ~14 KB sent).

Only HTML: static files come compressed from whitenoise already, and the API's JSON is left as it
was for its clients (a reverse proxy may compress it). Django's GZipMiddleware pads each response
with random bytes against BREACH; CSRF tokens are masked per response as well.
"""

from django.middleware.gzip import GZipMiddleware


class PageGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        return super().process_response(request, response)
