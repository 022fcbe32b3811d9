"""The integration settings over the API: read them (staff), change some (with the permission)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission, IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from settings.models import IntegrationSettings
from settings.services import editable_fields, integration_settings_update

from . import schema
from .base import PARSERS, needs, no_nul_in_query
from .serializers import ModelSerializer

CHANGE = "settings.change_integrationsettings"


class IntegrationSettingsSerializer(ModelSerializer):
    """Every setting a person may change; the ones SFNS keeps for itself are not shown."""

    failure_notice_group = serializers.SlugRelatedField(
        slug_field="name",
        queryset=Group.objects.all(),
        allow_null=True,
        required=False,
        help_text="The name of the group whose active users get the failure digest too.",
    )

    class Meta:
        model = IntegrationSettings
        fields = editable_fields()

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # DRF drops fields it does not know; a misspelt setting would "succeed" doing nothing.
        if isinstance(data, dict):
            unknown = [key for key in data if key not in self.fields]
            if unknown:
                raise serializers.ValidationError(
                    {str(key)[:80]: ["not a setting that can be changed"] for key in unknown}
                )
        return super().to_internal_value(data)


SETTINGS_EXAMPLE = OpenApiExample(
    "turn Create Only on", value={"create_only": True}, request_only=True
)


class IntegrationSettingsView(generics.GenericAPIView):
    serializer_class = IntegrationSettingsSerializer
    parser_classes = PARSERS

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "PATCH":
            return [IsAdminUser(), needs(CHANGE)()]
        return [IsAdminUser()]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        no_nul_in_query(request)

    @extend_schema(
        summary="Read the integration settings",
        responses={
            200: IntegrationSettingsSerializer,
            401: schema.UNAUTHENTICATED,
            403: schema.forbidden(),
        },
    )
    def get(self, request: Request) -> Response:
        return Response(self.get_serializer(IntegrationSettings.load()).data)

    @extend_schema(
        summary="Change integration settings",
        description="Change the settings given, all or none, checked as the admin checks them. "
        "Each change is in the integration log (operation settings_change) with the user and "
        "the values before and after. Needs `settings.change_integrationsettings`.",
        request=IntegrationSettingsSerializer(partial=True),
        examples=[SETTINGS_EXAMPLE],
        responses={
            200: IntegrationSettingsSerializer,
            400: schema.field_errors(
                ("unknown setting", {"create_onyl": ["not a setting that can be changed"]}),
                (
                    "bad email",
                    {"failure_notice_emails": ["'ops@' is not an email address."]},
                ),
            ),
            401: schema.UNAUTHENTICATED,
            403: schema.forbidden(CHANGE),
        },
    )
    def patch(self, request: Request) -> Response:
        serializer = self.get_serializer(
            IntegrationSettings.load(), data=request.data, partial=True
        )
        serializer.is_valid(raise_exception=True)
        conf = integration_settings_update(changes=serializer.validated_data, user=request.user)
        return Response(self.get_serializer(conf).data)
