"""The API's OpenAPI schema (/api/schema/) and its interactive docs (/api/docs/), for staff."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response


class SchemaView(SpectacularAPIView):
    """The schema: YAML, or JSON with ?format=json. A refusal is JSON, as the API's are."""

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class _LogInFirst(Exception):
    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class DocsView(SpectacularSwaggerView):
    """Swagger UI over /api/schema/. A person who is not logged in is sent to log in first;
    one who is not staff is refused, as the schema itself refuses them."""

    url_name = "api-schema"

    def permission_denied(
        self, request: Request, message: str | None = None, code: str | None = None
    ) -> None:
        if not request.user.is_authenticated:
            raise _LogInFirst(request.get_full_path())
        super().permission_denied(request, message, code)

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, _LogInFirst):
            return redirect_to_login(exc.next_url, reverse("admin:login"))
        return super().handle_exception(exc)
