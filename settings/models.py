"""The IntegrationSettings singleton: what admins switch on and off, and per-install field ids."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator, validate_email
from django.db import models


class SalesforceEdition(models.TextChoices):
    AUTO = "", "Detect from Salesforce"
    ESSENTIALS = "Essentials Edition", "Essentials"
    PROFESSIONAL = "Professional Edition", "Professional"
    ENTERPRISE = "Enterprise Edition", "Enterprise"
    UNLIMITED = "Unlimited Edition", "Unlimited"
    PERFORMANCE = "Performance Edition", "Performance"
    DEVELOPER = "Developer Edition", "Developer"


_NETSUITE_ID = RegexValidator(r"^\d+$", "A NetSuite internal id is a number.")
# A Salesforce field API name (also checked where a setting names one before it is used).
SALESFORCE_FIELD_NAME = RegexValidator(
    r"^[A-Za-z][A-Za-z0-9_]{0,79}$", "A Salesforce field API name, such as ProductCode."
)
_NETSUITE_IDS = RegexValidator(
    r"^\s*\d+(\s*,\s*\d+)*\s*$", "NetSuite internal ids (numbers), comma-separated."
)


class ProductItemMatch(models.TextChoices):
    """How an Opportunity product finds its NetSuite item, after the lookup table."""

    ITEM_NAME = "item_name", "the item whose name (Item Name/Number) is the product's key"
    EXTERNAL_ID = "external_id", "the item whose external ID is the product's key"
    LOOKUP_ONLY = "lookup", "the lookup table only"


class IntegrationSettings(models.Model):
    """One row (pk=1). Read it with IntegrationSettings.load()."""

    SINGLETON_PK = 1

    create_only = models.BooleanField(
        default=False,
        help_text="Create customers in NetSuite but never update them afterwards.",
    )
    sync_account_on_sales_order = models.BooleanField(
        "sync account on sales order",
        default=True,
        help_text="Create and link the NetSuite customer when an opportunity is synced as a "
        "sales order.",
    )
    check_lock_before_push = models.BooleanField(
        "re-read the lock before each push",
        default=True,
        help_text="Read the customer's lock checkbox from NetSuite before every update (one "
        "extra call) instead of trusting the copy the NetSuite webhook keeps current.",
    )
    salesforce_edition = models.CharField(
        max_length=32,
        blank=True,
        choices=SalesforceEdition.choices,
        help_text="Leave empty to detect it from Salesforce (Organization.OrganizationType).",
    )
    netsuite_lock_field = models.CharField(
        "NetSuite lock field id", max_length=64, default="custentity_sfns_lock_record"
    )
    netsuite_salesforce_id_field = models.CharField(
        "NetSuite Salesforce ID field id", max_length=64, default="custentity_sfns_salesforce_id"
    )
    salesforce_netsuite_id_field = models.CharField(
        "Salesforce NetSuite ID field", max_length=80, default="NetSuite_Id__c"
    )
    salesforce_netsuite_sync_field = models.CharField(
        "Salesforce NetSuite Sync field", max_length=80, default="NetSuite_Sync__c"
    )
    salesforce_edition_detected = models.CharField(
        "edition detected", max_length=32, blank=True, editable=False
    )
    salesforce_edition_detected_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Matching (at link time and in the backfill): an Account with no customer of its own is
    # linked to the one customer these rules find, tried in this order; never to one of several.
    match_by_name = models.BooleanField(
        "match by company name",
        default=True,
        help_text="Link to the customer with the same company name (case, accents, punctuation "
        "and legal forms such as Inc or Ltd aside).",
    )
    match_by_website = models.BooleanField(
        "match by website domain",
        default=True,
        help_text="Link to the customer whose web address has the Account's domain.",
    )
    match_by_phone = models.BooleanField(
        "match by phone",
        default=False,
        help_text="Link to the customer with the same phone number (its last ten digits). Off "
        "by default: head offices and resellers share numbers.",
    )
    match_by_email_domain = models.BooleanField(
        "match by email domain",
        default=False,
        help_text="Link to the customer whose email address is at the Account's website "
        "domain (free mail such as gmail.com never matches).",
    )
    reconcile_minutes = models.PositiveIntegerField(
        "reconcile every (minutes)",
        default=15,
        help_text="How often SFNS asks both systems what changed since it last looked, to catch "
        "what the webhooks missed, and Salesforce deletions and merges. 0: never.",
    )
    deactivate_customer_of_deleted_account = models.BooleanField(
        default=False,
        help_text="When an Account is deleted in Salesforce, make its NetSuite customer inactive "
        "(otherwise the customer is kept as it is; the Account is unlinked either way).",
    )
    netsuite_estimate_item_id = models.CharField(
        "NetSuite item for opportunity lines",
        max_length=32,
        default="1",
        help_text="Internal id of the NetSuite item an Opportunity with no products is billed "
        "as (one line: its amount) on estimates and sales orders.",
    )
    # Opportunity products: each line item's Product2 is found a NetSuite item by its key.
    product_key_field = models.CharField(
        "product key field",
        max_length=80,
        default="ProductCode",
        validators=[SALESFORCE_FIELD_NAME],
        help_text="The Product2 field that names a product's NetSuite item (ProductCode, "
        "ExternalId or a custom field).",
    )
    product_item_match = models.CharField(
        "find a product's NetSuite item by",
        max_length=16,
        choices=ProductItemMatch.choices,
        default=ProductItemMatch.ITEM_NAME,
        help_text="Tried after the lookup table below.",
    )
    product_item_lookup = models.JSONField(
        "product lookup table",
        default=dict,
        blank=True,
        help_text='Product key to NetSuite item internal id, tried first: {"GEN-1000": "57"}.',
    )
    financials_on_their_own = models.BooleanField(
        "bring financials back on their own",
        default=True,
        help_text="When NetSuite reports a linked customer's financials (or other "
        "reverse-mapped fields) changed, write them to the Salesforce Account, in batches, "
        "without Update from NetSuite. Salesforce Enterprise Edition and up.",
    )
    won_stages = models.CharField(
        "Opportunity stages that mean won",
        max_length=255,
        default="Closed Won",
        help_text="Comma-separated stage names: an Opportunity entering one becomes a NetSuite "
        "sales order (its Account linked first when Sync Account on Sales Order is on).",
    )
    netsuite_default_subsidiary_id = models.CharField(
        "NetSuite subsidiary for new customers",
        max_length=32,
        blank=True,
        validators=[_NETSUITE_ID],
        help_text="OneWorld: internal id of the primary subsidiary a new customer gets when no "
        "field mapping gives one (map, say, BillingCountry to subsidiary.id with a lookup).",
    )
    netsuite_default_currency_id = models.CharField(
        "NetSuite currency for new customers",
        max_length=32,
        blank=True,
        validators=[_NETSUITE_ID],
        help_text="Internal id of a new customer's currency when no field mapping gives one "
        "(map CurrencyIsoCode to currency.id with a lookup). Empty: the subsidiary's.",
    )
    netsuite_additional_currency_ids = models.CharField(
        "additional currencies for new customers",
        max_length=255,
        blank=True,
        validators=[_NETSUITE_IDS],
        help_text="Internal ids, comma-separated, of the other currencies a new customer may "
        "be billed in (its Currencies subtab).",
    )
    failure_notice_emails = models.TextField(
        "failure notices to",
        blank=True,
        help_text="Email addresses (comma- or line-separated) that get a digest of the syncs "
        "that failed. Sent through the server's email settings (EMAIL_URL).",
    )
    failure_notice_group = models.ForeignKey(
        "auth.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name="failure notices to the group",
        help_text="Its active users with an email address get the digest too.",
    )
    failure_notice_minutes = models.PositiveIntegerField(
        "at most one failure digest every (minutes)",
        default=60,
        validators=[MinValueValidator(1)],
    )
    # The end of the period the last digest told of: the next one starts there.
    failure_notice_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "integration settings"
        verbose_name_plural = "integration settings"

    def __str__(self) -> str:
        return "Integration settings"

    def save(self, *args, **kwargs) -> None:
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.pk not in (None, self.SINGLETON_PK):
            raise ValidationError("There is only one integration settings record.")
        for address in self.failure_notice_addresses():
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(
                    {"failure_notice_emails": f"{address!r} is not an email address."}
                ) from None
        self._clean_product_lookup()

    def _clean_product_lookup(self) -> None:
        table = self.product_item_lookup
        if not isinstance(table, dict):
            raise ValidationError(
                {"product_item_lookup": 'A JSON object of product key to item id: {"A-1": "57"}.'}
            )
        for key, item_id in table.items():
            if not (isinstance(item_id, str | int) and str(item_id).isdigit()):
                raise ValidationError(
                    {"product_item_lookup": f"{key!r}: {item_id!r} is not a NetSuite internal id."}
                )

    def won_stage_names(self) -> frozenset[str]:
        return frozenset(stage.strip() for stage in self.won_stages.split(",") if stage.strip())

    def netsuite_additional_currencies(self) -> list[str]:
        return [c.strip() for c in self.netsuite_additional_currency_ids.split(",") if c.strip()]

    def failure_notice_addresses(self) -> list[str]:
        return [a for a in re.split(r"[\s,;]+", self.failure_notice_emails) if a]

    def failure_notice_recipients(self) -> list[str]:
        """The addresses, and those of the group's active users, each once."""
        recipients = self.failure_notice_addresses()
        if self.failure_notice_group_id:
            users = self.failure_notice_group.user_set.filter(is_active=True).exclude(email="")
            recipients += users.values_list("email", flat=True)
        return list(dict.fromkeys(recipients))

    @classmethod
    def load(cls) -> IntegrationSettings:
        obj, _ = cls.objects.get_or_create(pk=cls.SINGLETON_PK)
        return obj
