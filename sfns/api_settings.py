"""
The REST API's settings (DRF, drf-spectacular), imported by sfns/settings.py.
https://www.django-rest-framework.org/api-guide/settings/ and
https://drf-spectacular.readthedocs.io/en/latest/settings.html
"""

from __future__ import annotations

# Token (for systems) or session (for the browsable API and the docs) auth, never anonymous;
# staff only, and each operation its own permission on top (sync/api/base.py).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "sync.api.base.exception_handler",
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "SFNS API",
    "DESCRIPTION": (
        "Read the Salesforce and NetSuite mirrors, the jobs and the integration log; ask for "
        "syncs; read and change the settings and the field mappings. Staff only, by token "
        "(`Authorization: Token <key>`) or admin session; each operation that starts work or "
        "changes something needs its own permission. Work requests answer 202 with the queued "
        "job, refusals 409 with the reason, and 503 when Salesforce cannot be reached to "
        "decide. Salesforce ids are accepted in 15 or 18 characters."
    ),
    "VERSION": "1",
    # The schema is for the API's callers (staff), as the API is.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAdminUser"],
    "SERVE_INCLUDE_SCHEMA": False,
    # Request and response bodies as separate components: generated clients do not ask for
    # read-only fields (ids) when they create.
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files come with SFNS (drf-spectacular-sidecar): no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "direction" and a "status": each enum its own name.
    "ENUM_NAME_OVERRIDES": {
        "LogDirectionEnum": "integration_log.models.Direction",
        "MappingDirectionEnum": "sync.models.MappingDirection",
        "JobStatusEnum": "sync.models.JobStatus",
        "JobKindEnum": "sync.models.JobKind",
        "OperationEnum": "integration_log.models.Operation",
    },
}
