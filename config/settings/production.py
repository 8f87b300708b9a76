"""Production: every secret from the environment, HTTPS only, behind a reverse proxy (nginx).

`manage.py check --deploy --fail-level WARNING` passes with these (CI runs it). SECRET_KEY has
no default anywhere: without it base.py stops at start-up with ImproperlyConfigured
("Set the SECRET_KEY environment variable"). The headers every environment sends (CSP,
Permissions-Policy, Referrer-Policy, nosniff, X-Frame-Options) are set in base.py.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = False

# TLS ends at the proxy, which says so in X-Forwarded-Proto (it must overwrite any such header
# from the client: see the README's nginx block). Plain HTTP is redirected, except the health
# probe that the container platform sends from inside.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# Cookies: HTTPS only, out of JavaScript's reach, not sent on cross-site requests. The __Host-
# prefix makes the browser refuse them unless Secure, for this exact host and path /.
SESSION_COOKIE_NAME = "__Host-navi_session"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_NAME = "__Host-navi_csrftoken"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Reminders: the contacts' encryption key(s) and the Web Push key have no default here.
REMINDERS_FERNET_KEYS = env.list("REMINDERS_FERNET_KEYS")
REMINDERS_VAPID_PRIVATE_KEY = env("REMINDERS_VAPID_PRIVATE_KEY")
REMINDERS_VAPID_SUBJECT = env("REMINDERS_VAPID_SUBJECT")
SITE_URL = env("SITE_URL", default=f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS else "")  # noqa: F405
