"""factory_boy factories, one per model. The log's goes through its one write path."""

from __future__ import annotations

import factory

from accounts.ids import salesforce_id_18
from accounts.models import Account, Customer, Opportunity
from integration_log.models import Direction, LogEntry, Operation, Outcome
from integration_log.services import record
from sync.models import (
    FieldMapping,
    InboundEvent,
    JobKind,
    JobStatus,
    MappingDirection,
    SyncJob,
    Transform,
)


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    salesforce_id = factory.Sequence(lambda n: salesforce_id_18(f"001{n + 1000:012d}"))
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

    salesforce_id = factory.Sequence(lambda n: salesforce_id_18(f"006{n + 1000:012d}"))
    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Opportunity {n}")
    stage = "Prospecting"


class SyncJobFactory(factory.django.DjangoModelFactory):
    """A push job for Account 001000000000001AAA, pending, unless told otherwise."""

    class Meta:
        model = SyncJob

    kind = JobKind.ACCOUNT_PUSH
    record_id = "001000000000001AAA"
    dedupe_key = factory.LazyAttribute(lambda o: f"{o.kind}:{o.record_id}")
    status = JobStatus.PENDING


class LogEntryFactory(factory.django.DjangoModelFactory):
    """A log entry written the one way the product writes them (redacted)."""

    class Meta:
        model = LogEntry

    operation = Operation.ACCOUNT_PUSH
    direction = Direction.TO_NETSUITE
    outcome = Outcome.SUCCESS

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> LogEntry:
        return record(**kwargs)


class FieldMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FieldMapping

    direction = MappingDirection.TO_NETSUITE
    source = "Name"
    target = factory.Sequence(lambda n: f"custentity_test_{n}")
    transform = Transform.COPY


class InboundEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InboundEvent

    source = "salesforce"
    event_id = factory.Sequence(lambda n: f"04l{n:012d}AAA")
