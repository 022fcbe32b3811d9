"""WSGI entry point: `gunicorn sfns.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sfns.settings")

application = get_wsgi_application()
# The URLconf and every view it imports are loaded now, as the worker boots, rather than by its
# first request: measured, that made a fresh gunicorn worker's first outbound message cost ten
# times the CPU of the next (0.12-0.18 s against 0.01 s).
get_resolver().url_patterns  # noqa: B018 (loaded for its side effect)
