FROM node:20-bookworm-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
COPY bin/vendor bin/vendor
RUN bin/vendor

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends gettext fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir --upgrade "pip>=25.1" && pip install --no-cache-dir --group runtime
COPY . .
COPY --from=assets /assets/vendor ./vendor
RUN export SECRET_KEY=build-only REMINDERS_FERNET_KEYS=build-only REMINDERS_VAPID_PRIVATE_KEY=build-only REMINDERS_VAPID_SUBJECT=build-only \
    && python manage.py collectstatic --no-input --verbosity 0 \
    && python manage.py compilemessages --verbosity 0
RUN useradd --system navi && chown -R navi /app
USER navi
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
