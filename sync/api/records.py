"""The mirrors over the API: Accounts (and the work on them), Opportunities, customers."""

from __future__ import annotations

import re

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Account, Customer, Opportunity

from .. import rules
from ..selectors import account_outbound_payload
from ..services import link, opportunities, update_from_netsuite
from . import schema
from .base import APIViewSet, SalesforceIdLookup, needs
from .filters import AccountFilter, CustomerFilter, OpportunityFilter
from .serializers import (
    AccountSerializer,
    CustomerSerializer,
    LinkChoiceSerializer,
    OpportunitySerializer,
    started,
)

SALESFORCE_ID_PATH = OpenApiParameter(
    "salesforce_id", OpenApiTypes.STR, OpenApiParameter.PATH, description=schema.SALESFORCE_ID_HELP
)
EXAMPLE_ID = "0019000000B98deAAB"
# The refusals' words, from the rules that give them.
NOT_LINKED = ("not linked", rules.update_from_netsuite_not_linked(salesforce_id=EXAMPLE_ID))
EDITION = ("edition", rules.update_from_netsuite_edition_refusal(edition="Professional Edition"))
ALREADY_LINKED = (
    "already linked",
    rules.already_linked_refusal(salesforce_id=EXAMPLE_ID, netsuite_id="77"),
)
SALES_ORDER_OFF = (
    "setting off",
    rules.sales_order_refusal(
        salesforce_id=EXAMPLE_ID, linked=False, sync_account_on_sales_order=False
    ),
)


@extend_schema_view(
    list=extend_schema(
        summary="List the Account mirrors",
        responses=schema.reading(AccountSerializer, listing=True),
    ),
    retrieve=extend_schema(
        summary="One Account mirror",
        parameters=[SALESFORCE_ID_PATH],
        responses=schema.reading(AccountSerializer),
    ),
)
class AccountViewSet(
    SalesforceIdLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet
):
    """Salesforce Accounts as SFNS last saw them, and the work on them."""

    queryset = Account.objects.order_by("id")
    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    search_fields = ["name", "salesforce_id", "netsuite_id"]
    ordering_fields = ["name", "salesforce_id", "last_modified", "last_synced_at", "created_at"]

    @extend_schema(
        summary="Sync to NetSuite",
        description="Link the Account (find its customer by the Salesforce id or the matching "
        "rules, or create it), or push it now if it is linked. Needs `sync.sync_account`.",
        parameters=[SALESFORCE_ID_PATH],
        request=None,
        operation_id="accounts_sync",
        responses=schema.work(
            permission="sync.sync_account", started="Queued: the link, or the push."
        ),
    )
    @action(
        detail=True, methods=["post"], permission_classes=[IsAdminUser, needs("sync.sync_account")]
    )
    def sync(self, request: Request, salesforce_id: str) -> Response:
        return started(link.account_request_link_or_push(account=self.get_object()))

    @extend_schema(
        summary="Link to a chosen customer, or a new one",
        description="The answer to an ambiguous match: link the customer given "
        '(`{"netsuite_id": "1234"}`) or create a new one (`{"create": true}`). Needs '
        "`sync.link_account`.",
        parameters=[SALESFORCE_ID_PATH],
        request=LinkChoiceSerializer,
        examples=[
            OpenApiExample("link customer 1234", value={"netsuite_id": "1234"}, request_only=True),
            OpenApiExample("create a new customer", value={"create": True}, request_only=True),
        ],
        operation_id="accounts_link",
        responses={
            **schema.work(
                permission="sync.link_account",
                started="Queued: the link, as chosen.",
                refusals=(ALREADY_LINKED,),
            ),
            400: schema.field_errors(
                (
                    "neither or both",
                    {
                        "non_field_errors": [
                            "give either netsuite_id (the customer to link) or create: true "
                            "(a new customer)"
                        ]
                    },
                ),
                schema.BAD_ID_EXAMPLE,
            ),
        },
    )
    @action(
        detail=True, methods=["post"], permission_classes=[IsAdminUser, needs("sync.link_account")]
    )
    def link(self, request: Request, salesforce_id: str) -> Response:
        choice = LinkChoiceSerializer(data=request.data)
        choice.is_valid(raise_exception=True)
        account = self.get_object()
        netsuite_id = choice.validated_data.get("netsuite_id", "")
        return started(link.account_request_link_choice(account=account, netsuite_id=netsuite_id))

    @extend_schema(
        summary="Update from NetSuite",
        description="Read the linked customer's financials and reverse-mapped fields and write "
        "them onto the Account, here and in Salesforce. Salesforce Enterprise Edition and up. "
        "Needs `sync.update_account_from_netsuite`.",
        parameters=[SALESFORCE_ID_PATH],
        request=None,
        operation_id="accounts_update_from_netsuite",
        responses=schema.work(
            permission="sync.update_account_from_netsuite",
            started="Queued: the read from NetSuite and the write to Salesforce.",
            refusals=(NOT_LINKED, EDITION),
            away=True,
        ),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="update-from-netsuite",
        permission_classes=[IsAdminUser, needs("sync.update_account_from_netsuite")],
    )
    def update_from_netsuite(self, request: Request, salesforce_id: str) -> Response:
        return started(
            update_from_netsuite.account_request_update_from_netsuite(account=self.get_object())
        )

    @extend_schema(
        summary="Preview the push",
        description="Exactly what a push would send to NetSuite now; nothing is sent.",
        parameters=[SALESFORCE_ID_PATH],
        responses={
            **schema.reading(
                OpenApiResponse(
                    inline_serializer(
                        "AccountPreview",
                        {
                            "netsuite_id": serializers.CharField(),
                            "payload": serializers.DictField(),
                        },
                    ),
                    examples=[
                        OpenApiExample(
                            "linked",
                            value={"netsuite_id": "77", "payload": {"companyName": "Acme"}},
                        )
                    ],
                )
            ),
            409: schema.detail(
                "A mapping rule cannot apply to this Account.",
                (
                    "bad rule",
                    rules.mapping_refusal(
                        error="companyName: truncate needs a length (a whole number)"
                    ),
                ),
            ),
        },
    )
    @action(detail=True, methods=["get"])
    def preview(self, request: Request, salesforce_id: str) -> Response:
        account = self.get_object()
        payload = account_outbound_payload(account)
        return Response({"netsuite_id": account.netsuite_id, "payload": payload})


@extend_schema_view(
    list=extend_schema(
        summary="List the Opportunity mirrors",
        responses=schema.reading(OpportunitySerializer, listing=True),
    ),
    retrieve=extend_schema(
        summary="One Opportunity mirror",
        parameters=[SALESFORCE_ID_PATH],
        responses=schema.reading(OpportunitySerializer),
    ),
)
class OpportunityViewSet(
    SalesforceIdLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet
):
    """Salesforce Opportunities as SFNS last saw them, and the quotes and sales orders."""

    queryset = Opportunity.objects.select_related("account").order_by("id")
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilter
    search_fields = ["name", "salesforce_id", "account__name"]
    ordering_fields = ["name", "salesforce_id", "amount", "stage", "last_modified", "created_at"]

    @extend_schema(
        summary="Create Quote",
        description="Link the Account's customer if needed, then create the NetSuite estimate "
        "(or update the one made before). Needs `sync.create_quote`.",
        parameters=[SALESFORCE_ID_PATH],
        request=None,
        operation_id="opportunities_quote",
        responses=schema.work(
            permission="sync.create_quote", started="Queued: the link if needed, then the estimate."
        ),
    )
    @action(
        detail=True, methods=["post"], permission_classes=[IsAdminUser, needs("sync.create_quote")]
    )
    def quote(self, request: Request, salesforce_id: str) -> Response:
        return started(opportunities.opportunity_request_quote(opportunity=self.get_object()))

    @extend_schema(
        summary="Sync as Sales Order",
        description="Create the NetSuite sales order (the Account linked first when the setting "
        "sync_account_on_sales_order is on). Needs `sync.sync_sales_order`.",
        parameters=[SALESFORCE_ID_PATH],
        request=None,
        operation_id="opportunities_sales_order",
        responses=schema.work(
            permission="sync.sync_sales_order",
            started="Queued: the link if needed and allowed, then the sales order.",
            refusals=(SALES_ORDER_OFF,),
        ),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="sales-order",
        permission_classes=[IsAdminUser, needs("sync.sync_sales_order")],
    )
    def sales_order(self, request: Request, salesforce_id: str) -> Response:
        return started(opportunities.opportunity_request_sales_order(opportunity=self.get_object()))


@extend_schema_view(
    list=extend_schema(
        summary="List the customer mirrors",
        description="NetSuite customers as SFNS last read them (webhook, reconcile, update).",
        responses=schema.reading(CustomerSerializer, listing=True),
    ),
    retrieve=extend_schema(
        summary="One customer mirror", responses=schema.reading(CustomerSerializer)
    ),
)
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, APIViewSet):
    """NetSuite customers as SFNS last read them (read-only), by NetSuite internal id."""

    queryset = Customer.objects.order_by("id")
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    lookup_field = "netsuite_id"
    lookup_shape = re.compile(r"[0-9]{1,32}")
    lookup_words = "a NetSuite internal id (digits)"
    search_fields = ["company_name", "netsuite_id", "salesforce_id"]
    ordering_fields = [
        "company_name",
        "netsuite_id",
        "balance",
        "overdue_balance",
        "days_overdue",
        "refreshed_at",
        "last_modified",
    ]
