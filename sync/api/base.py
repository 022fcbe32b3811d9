"""
What every API endpoint shares: the error handler (refusals 409, the far systems away 503,
Django's validation errors 400), the JSON parser, the checks on query parameters, the
per-operation permissions and the Salesforce id lookup (15 or 18 characters).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import parsers, status, viewsets
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.permissions import BasePermission, DjangoModelPermissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.ids import InvalidSalesforceId, salesforce_id_canonical

from ..clients.errors import ClientError
from ..errors import SyncRefused


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """
    DRF's handler, plus SFNS's own errors: a refusal (edition, setting, link, mapping) is 409
    with its reason; Salesforce or NetSuite failing to answer is 503, so the caller retries.
    """
    if isinstance(exc, SyncRefused):
        return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ClientError):
        return Response({"detail": exc.message}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    if isinstance(exc, DjangoValidationError):  # a model's own rules (full_clean in a service)
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        errors = {("non_field_errors" if k == "__all__" else k): v for k, v in errors.items()}
        return Response(errors, status=status.HTTP_400_BAD_REQUEST)
    # Django raises these while reading the body (DRF reads it through request.body); left to
    # Django they become a bare HTML 400 that does not say what is wrong.
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": f"request body over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, SuspiciousOperation):  # too many form fields or files
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


class JSONParser(parsers.JSONParser):
    """DRF's, with a 400 for JSON nested too deeply for Python's json (a RecursionError)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None


PARSERS = [JSONParser, parsers.FormParser, parsers.MultiPartParser]


def no_nul_in_query(request: Request) -> None:
    """PostgreSQL text cannot hold NUL: a filter or id with one fails the query itself."""
    for name, values in request.query_params.lists():
        if any("\x00" in value for value in values):
            raise ValidationError({name: ["must not contain a NUL character"]})


class StrictOrderingFilter(OrderingFilter):
    """DRF's ordering, with a 400 naming the fields it cannot order by (DRF ignores them)."""

    def get_ordering(self, request: Request, queryset: Any, view: APIView) -> Any:
        given = request.query_params.get(self.ordering_param, "")
        if given:
            names = {name for name, _ in self.get_valid_fields(queryset, view, {})}
            fields = [field.strip() for field in given.split(",")]
            wrong = [field for field in fields if field.removeprefix("-") not in names]
            if wrong:
                raise ValidationError(
                    {
                        self.ordering_param: [
                            f"cannot order by {', '.join(repr(f) for f in wrong)}: give one or "
                            f"more of {', '.join(sorted(names))}, comma-separated, each with "
                            "- in front for descending order"
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        fields = list(getattr(view, "ordering_fields", []))
        for parameter in parameters:
            parameter["description"] = (
                f"Order by {', '.join(fields)}: one or more, comma-separated, each with - in "
                f"front for descending order (e.g. -{fields[0]})."
            )
        return parameters


class DescribedSearchFilter(SearchFilter):
    """DRF's search, with the fields it looks in named in the schema."""

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        fields = ", ".join(getattr(view, "search_fields", []))
        for parameter in parameters:
            parameter["description"] = f"Text to find (any case) in {fields}."
        return parameters


class APIViewSet(viewsets.GenericViewSet):
    """A viewset as every SFNS endpoint has it: the parsers above, filters, search and
    ordering (each view names its fields), query parameters checked before any reaches the
    database, and a record's id checked before it is looked up (400 saying what is wrong with
    it; 404 is for a well-formed id that names nothing)."""

    parser_classes = PARSERS
    filter_backends = [DjangoFilterBackend, DescribedSearchFilter, StrictOrderingFilter]
    lookup_value_regex = "[^/.]+"  # anything but a format suffix: get_object() checks it
    lookup_shape = re.compile(r"[0-9]{1,18}")
    lookup_words = "an id (a whole number)"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        no_nul_in_query(request)

    def lookup_value(self, value: str) -> str:
        """The id in the URL as the database holds it; ValidationError when it is not one."""
        if not self.lookup_shape.fullmatch(value):
            name = "id" if self.lookup_field == "pk" else self.lookup_field  # as the schema says
            raise ValidationError({name: [f"{value[:40]!r} is not {self.lookup_words}"]})
        return value

    def get_object(self) -> Model:
        name = self.lookup_url_kwarg or self.lookup_field
        self.kwargs[name] = self.lookup_value(self.kwargs[name])
        return super().get_object()


class SalesforceIdLookup:
    """Records by Salesforce id in either form: the 15-character id of Salesforce's URLs and
    reports, or the 18-character one in any case; both find the record (stored as 18)."""

    lookup_field = "salesforce_id"

    def lookup_value(self, value: str) -> str:
        try:
            return salesforce_id_canonical(value)
        except InvalidSalesforceId as exc:
            raise ValidationError({"salesforce_id": [str(exc)]}) from None


def needs(permission: str) -> type[BasePermission]:
    """A permission class: staff with `permission` (a superuser has every one)."""

    class Needs(BasePermission):
        message = f"This needs a staff user with the permission {permission}."

        def has_permission(self, request: Request, view: APIView) -> bool:
            user = request.user
            return bool(user and user.is_staff and user.has_perm(permission))

    Needs.__name__ = Needs.__qualname__ = f"Needs_{permission.replace('.', '_')}"
    return Needs


class ModelPermissions(DjangoModelPermissions):
    """Django's add/change/delete permissions for writes (reading is for staff), with a
    refusal that names the permission missing."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        model = self._queryset(view).model
        required = self.get_required_permissions(request.method, model)
        if required:
            self.message = f"This needs a staff user with the permission {', '.join(required)}."
        return super().has_permission(request, view)
