"""factory_boy factories for the mirrors."""

from __future__ import annotations

import factory

from accounts.ids import salesforce_id_18 as salesforce_id
from accounts.models import Account, Customer, Opportunity


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    salesforce_id = factory.Sequence(lambda n: salesforce_id(f"001{n + 1000:012d}"))
    name = factory.Sequence(lambda n: f"Account {n}")
    fields = factory.LazyAttribute(
        lambda o: {"Id": o.salesforce_id, "Name": o.name, "Phone": "+1 555 0100"}
    )


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    netsuite_id = factory.Sequence(lambda n: str(5000 + n))
    company_name = factory.Sequence(lambda n: f"Customer {n}")


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    salesforce_id = factory.Sequence(lambda n: salesforce_id(f"006{n + 1000:012d}"))
    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Opportunity {n}")
    stage = "Prospecting"
