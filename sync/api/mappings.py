"""
The field mappings over the API: read (staff), add, change and delete (with the model's
permissions). Every rule is checked before it is saved (its paths, its transform's argument,
its place beside the other rules), and a preview shows what it makes of a real record.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from ..mapping import MappingRule
from ..models import FieldMapping
from ..selectors import mapping_preview, mapping_problems, mapping_source
from . import schema
from .base import APIViewSet, ModelPermissions
from .filters import MappingFilter
from .serializers import ModelSerializer

RULE_FIELDS = ["direction", "source", "target", "transform", "argument", "position", "enabled"]
RECORD_HELP = (
    "The record to preview the rule on: an Account's Salesforce id (sf_to_ns), a Contact's "
    "(contact_to_ns), or a NetSuite customer's internal id (ns_to_sf), as mirrored in SFNS."
)


def _default(name: str) -> Any:
    return FieldMapping._meta.get_field(name).get_default()


def _check(attrs: dict[str, Any], instance: FieldMapping | None, replaces: int | None) -> None:
    """A rule's problems (selectors.mapping_problems), as the API's 400."""

    def value(name: str) -> Any:
        if name in attrs:
            return attrs[name]
        return getattr(instance, name) if instance else _default(name)

    rule = MappingRule(value("source"), value("target"), value("transform"), value("argument"))
    problems = mapping_problems(
        direction=value("direction"), rule=rule, enabled=value("enabled"), replaces=replaces
    )
    if problems:
        raise serializers.ValidationError({field: [text] for field, text in problems.items()})


class FieldMappingSerializer(ModelSerializer):
    class Meta:
        model = FieldMapping
        fields = ["id", *RULE_FIELDS]
        validators: list = []  # _check says "already mapped" in words

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _check(attrs, self.instance, self.instance.pk if self.instance else None)
        return attrs


class MappingPreviewSerializer(serializers.Serializer):
    """What a rule makes of a record."""

    record = serializers.CharField()
    value = serializers.JSONField(allow_null=True, help_text="The value the rule gives.")
    sets = serializers.BooleanField(help_text="false: the rule sets nothing for this record.")
    payload = serializers.DictField(
        allow_null=True, help_text="All the direction's rules' payload, with this one in place."
    )
    changes = serializers.DictField(
        allow_null=True, help_text="{field: [today's value, with this rule]} where they differ."
    )
    error = serializers.CharField(allow_blank=True, help_text="Why the rule cannot apply here.")


class PreviewRequestSerializer(ModelSerializer):
    """A rule to try, not saved: new, or an edit of the mapping `replaces`."""

    record = serializers.CharField(max_length=64, help_text=RECORD_HELP)
    replaces = serializers.PrimaryKeyRelatedField(
        queryset=FieldMapping.objects.all(),
        required=False,
        allow_null=True,
        help_text="The id of the mapping this rule would replace (an edit).",
    )

    class Meta:
        model = FieldMapping
        fields = [*RULE_FIELDS, "record", "replaces"]
        validators: list = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        replaced = attrs.get("replaces")
        _check(attrs, None, replaced.pk if replaced else None)
        return attrs


class FieldMappingWithPreviewSerializer(FieldMappingSerializer):
    preview = MappingPreviewSerializer(read_only=True, required=False)

    class Meta(FieldMappingSerializer.Meta):
        fields = [*FieldMappingSerializer.Meta.fields, "preview"]


def _preview(data: dict[str, Any], record: str, replaces: int | None) -> dict[str, Any]:
    def value(name: str) -> Any:
        return data[name] if name in data else _default(name)

    rule = MappingRule(value("source"), value("target"), value("transform"), value("argument"))
    try:
        source = mapping_source(direction=value("direction"), record=record)
    except LookupError as exc:
        raise serializers.ValidationError({"record": [str(exc)]}) from None
    answer = mapping_preview(
        direction=value("direction"),
        rule=rule,
        position=value("position"),
        enabled=value("enabled"),
        replaces=replaces,
        source=source,
    )
    return {"record": record, **answer}


PREVIEW_PARAMETER = OpenApiParameter(
    "preview",
    OpenApiTypes.STR,
    description=f"{RECORD_HELP} The answer then also holds the rule's preview on it.",
)
RULE_EXAMPLE = OpenApiExample(
    "phone, copied",
    value={"direction": "sf_to_ns", "source": "Phone", "target": "phone", "transform": "copy"},
    request_only=True,
)
RULE_ERRORS = schema.field_errors(
    ("bad argument", {"argument": ["companyName: truncate needs a length (a whole number)"]}),
    ("already mapped", {"target": ["phone is already mapped in sf_to_ns: change that mapping"]}),
    ("no such record to preview", {"record": ["no Account '001000000000009' in SFNS"]}),
)


def _writing(verb: str, code: int) -> dict[str, Any]:
    return extend_schema(
        summary=f"{verb} a field mapping",
        description=f"{verb} a rule, checked first: its source and target paths, its "
        "transform's argument, and its place beside the direction's other rules. With "
        "`?preview=<record>` the answer also shows what the rule makes of that record. Needs "
        f"`sync.{'add' if code == 201 else 'change'}_fieldmapping`.",
        parameters=[PREVIEW_PARAMETER],
        examples=[RULE_EXAMPLE],
        responses={
            code: FieldMappingWithPreviewSerializer,
            400: RULE_ERRORS,
            401: schema.UNAUTHENTICATED,
            403: schema.forbidden(f"sync.{'add' if code == 201 else 'change'}_fieldmapping"),
            **({} if code == 201 else {404: schema.NOT_FOUND}),
        },
    )


@extend_schema_view(
    list=extend_schema(
        summary="List the field mappings",
        responses=schema.reading(FieldMappingSerializer, listing=True),
    ),
    retrieve=extend_schema(
        summary="One field mapping", responses=schema.reading(FieldMappingSerializer)
    ),
    create=_writing("Add", 201),
    update=_writing("Replace", 200),
    partial_update=_writing("Change", 200),
    destroy=extend_schema(
        summary="Delete a field mapping",
        description="Needs `sync.delete_fieldmapping`.",
        responses={
            204: None,
            401: schema.UNAUTHENTICATED,
            403: schema.forbidden("sync.delete_fieldmapping"),
            404: schema.NOT_FOUND,
        },
    ),
)
class FieldMappingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    APIViewSet,
):
    """Which field goes where, in each direction, with simple transforms."""

    queryset = FieldMapping.objects.order_by("direction", "position", "id")
    serializer_class = FieldMappingSerializer
    permission_classes = [IsAdminUser, ModelPermissions]
    filterset_class = MappingFilter
    search_fields = ["source", "target"]
    ordering_fields = ["id", "direction", "position", "target", "source"]

    def _answer(self, serializer: serializers.Serializer, code: int) -> Response:
        """Save a checked rule; with ?preview=<record>, say what it makes of that record."""
        serializer.is_valid(raise_exception=True)
        record = self.request.query_params.get("preview")
        instance = serializer.instance
        data = {name: getattr(instance, name) for name in RULE_FIELDS} if instance else {}
        data.update(serializer.validated_data)
        replaces = instance.pk if instance is not None else None
        preview = _preview(data, record, replaces) if record else None
        try:
            with transaction.atomic():
                serializer.save()
        except IntegrityError:  # the same target, saved by another request since the check
            raise serializers.ValidationError(
                {"target": [f"{data.get('target')} is already mapped in {data.get('direction')}"]}
            ) from None
        answer = serializer.data
        if preview is not None:
            answer = {**answer, "preview": preview}
        return Response(answer, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._answer(self.get_serializer(data=request.data), status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(
            self.get_object(), data=request.data, partial=kwargs.get("partial", False)
        )
        return self._answer(serializer, status.HTTP_200_OK)

    @extend_schema(
        summary="Preview a field mapping",
        description="Check a rule and show what it would make of a record, without saving "
        "anything: a new rule, or (with `replaces`) an edit of an existing one. A rule that "
        "cannot apply to that record's values answers 200 with its `error`.",
        operation_id="mappings_preview",
        request=PreviewRequestSerializer,
        examples=[
            OpenApiExample(
                "an edit of the phone rule, on one Account",
                value={
                    "direction": "sf_to_ns",
                    "source": "Phone",
                    "target": "phone",
                    "transform": "static",
                    "argument": "+1 555 0100",
                    "record": "0019000000B98de",
                    "replaces": 2,
                },
                request_only=True,
            )
        ],
        responses={
            200: MappingPreviewSerializer,
            400: RULE_ERRORS,
            401: schema.UNAUTHENTICATED,
            403: schema.forbidden(),
        },
    )
    @action(detail=False, methods=["post"], permission_classes=[IsAdminUser])
    def preview(self, request: Request) -> Response:
        serializer = PreviewRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {**serializer.validated_data}
        replaced = data.pop("replaces", None)
        record = data.pop("record")
        return Response(_preview(data, record, replaced.pk if replaced else None))
