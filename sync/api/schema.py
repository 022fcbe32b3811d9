"""
The answers the OpenAPI schema describes again and again (drf-spectacular): who may call,
refusals, the far systems away, and the examples that go with them.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from .serializers import DetailSerializer, SyncJobSerializer

SALESFORCE_ID_HELP = (
    "The record's Salesforce id: the 15-character id of Salesforce's URLs and reports, or the "
    "18-character one (any case)."
)

JOB_EXAMPLE = {
    "id": 42,
    "kind": "account_link_or_push",
    "record_id": "0019000000B98deAAB",
    "status": "pending",
    "attempts": 0,
    "max_attempts": 8,
    "not_before": None,
    "last_error": "",
    "created_at": "2026-09-01T10:00:00Z",
    "finished_at": None,
}


def detail(description: str, *examples: tuple[str, str]) -> OpenApiResponse:
    """A {"detail": ...} answer, with named examples of its text."""
    return OpenApiResponse(
        DetailSerializer,
        description=description,
        examples=[OpenApiExample(name, value={"detail": text}) for name, text in examples],
    )


def field_errors(*examples: tuple[str, dict[str, list[str]]]) -> OpenApiResponse:
    """A 400: {"<parameter or field>": ["what is wrong", ...]}."""
    return OpenApiResponse(
        OpenApiTypes.OBJECT,
        description='Bad input: {"<parameter or field>": ["what is wrong"]}.',
        examples=[OpenApiExample(name, value=value) for name, value in examples],
    )


UNAUTHENTICATED = detail(
    "No credentials, or a token that does not exist.",
    ("no credentials", "Authentication credentials were not provided."),
)


def forbidden(permission: str = "") -> OpenApiResponse:
    if not permission:
        return detail(
            "The caller is not staff.",
            ("not staff", "You do not have permission to perform this action."),
        )
    return detail(
        f"The caller is not staff, or lacks the permission {permission}.",
        ("no permission", f"This needs a staff user with the permission {permission}."),
    )


NOT_FOUND = detail(
    "No such record in SFNS (the message names the endpoint's model: Account, SyncJob...).",
    ("not found", "No Account matches the given query."),
)
BAD_FILTER = field_errors(
    (
        "bad choice",
        {"status": ["must be one of pending, running, done, failed, superseded, not sent"]},
    ),
    ("bad ordering", {"ordering": ["cannot order by 'size': give one or more of ..."]}),
)


BAD_ID_EXAMPLE = (
    "not an id",
    {"salesforce_id": ["'001-42' is not a Salesforce id (15 or 18 letters and digits)"]},
)
BAD_ID = field_errors(BAD_ID_EXAMPLE)


def reading(ok: Any, *, listing: bool = False) -> dict[int, Any]:
    """The answers of a GET for staff: a list (bad filters are 400) or one record."""
    if listing:
        return {200: ok, 400: BAD_FILTER, 401: UNAUTHENTICATED, 403: forbidden()}
    return {200: ok, 400: BAD_ID, 401: UNAUTHENTICATED, 403: forbidden(), 404: NOT_FOUND}


def work(
    *, permission: str, started: str, refusals: tuple[tuple[str, str], ...] = (), away: bool = False
) -> dict[int, Any]:
    """
    The answers of a request that queues work: 202 with the job; 409 when it can be refused
    (`refusals`: named examples of the reason); 503 when deciding asks Salesforce (`away`).
    """
    answers: dict[int, Any] = {
        202: OpenApiResponse(
            SyncJobSerializer,
            description=f"{started} The job runs in the background: GET /api/jobs/<id>/ "
            "follows it.",
            examples=[OpenApiExample("queued", value=JOB_EXAMPLE)],
        ),
        400: BAD_ID,
        401: UNAUTHENTICATED,
        403: forbidden(permission),
        404: NOT_FOUND,
    }
    if refusals:
        answers[409] = detail("Refused, with the reason; nothing was queued.", *refusals)
    if away:
        answers[503] = detail(
            "Salesforce could not be reached to decide (its edition); nothing was queued. "
            "Try again later.",
            ("salesforce away", "Salesforce token request failed: connection refused"),
        )
    return answers
