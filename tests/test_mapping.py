"""sync.mapping, as tables: every transform, dotted paths, rule order, the payload hash, diff."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sync.mapping import (
    MISSING,
    MappingError,
    MappingRule,
    apply_rule,
    diff,
    get_path,
    map_record,
    payload_hash,
)

ACCOUNT = {
    "Id": "001000000000001AAA",
    "Name": "Acme Corporation",
    "Phone": "+1 555 0100",
    "Website": "",
    "Industry": "Banking",
    "Type": None,
    "NumberOfEmployees": 0,
    "FirstName": "Ada",
    "LastName": None,
    "BillingAddress": {"city": "Paris", "country": {"code": "FR"}},
    "BillingStreet": "1 Main St\r\n\nSuite 4 \nBldg B\nFloor 3",
    "ShippingStreet": "9 Dock Rd",
    "BillingCountry": "United States of America",
    "ShippingCountry": "uk",
}
INDUSTRIES = {"Banking": "3", "Retail": "7"}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # copy: the value as is; a missing or blank source copies as None / ""
        (MappingRule("Phone", "phone"), "+1 555 0100"),
        (MappingRule("NumberOfEmployees", "employees"), 0),
        (MappingRule("Fax", "fax"), None),
        (MappingRule("Website", "url"), ""),
        (MappingRule("BillingAddress.city", "city"), "Paris"),
        (MappingRule("BillingAddress.country.code", "country"), "FR"),
        (MappingRule("BillingAddress.zip", "zip"), None),
        (MappingRule("Phone.digits", "phone"), None),  # a path through a scalar finds nothing
        # static: the argument, whatever the source
        (MappingRule("", "subsidiary", "static", {"id": "1"}), {"id": "1"}),
        (MappingRule("Phone", "isPerson", "static", False), False),
        # lookup: the table's value, then its "*" default, else nothing at all
        (MappingRule("Industry", "category", "lookup", INDUSTRIES), "3"),
        (MappingRule("Industry", "category", "lookup", {"*": "9"}), "9"),
        (MappingRule("Industry", "category", "lookup", {"Retail": "7"}), MISSING),
        (MappingRule("Type", "category", "lookup", {"": "blank", "*": "9"}), "blank"),
        (MappingRule("NumberOfEmployees", "size", "lookup", {"0": "none"}), "none"),
        # template: missing and None fields render as nothing; all-blank gives None
        (MappingRule("", "title", "template", "{Name} ({Industry})"), "Acme Corporation (Banking)"),
        (MappingRule("", "contact", "template", "{FirstName} {LastName}"), "Ada"),
        (MappingRule("", "contact", "template", "{Salutation} {FirstName}"), "Ada"),
        (MappingRule("", "contact", "template", "{Salutation} {LastName}"), None),
        (MappingRule("", "label", "template", "{{{Industry}}}"), "{Banking}"),
        (MappingRule("", "city", "template", "{BillingAddress.country.code}-{Id:.3}"), "FR-001"),
        # a template reads source paths, never Python attributes of the values
        (MappingRule("", "title", "template", "{Name.upper}{Name.__class__}"), None),
        # truncate: cut text to the length; blanks stay as they are; numbers become text
        (MappingRule("Name", "companyName", "truncate", 4), "Acme"),
        (MappingRule("Name", "companyName", "truncate", 83), "Acme Corporation"),
        (MappingRule("Name", "companyName", "truncate", 0), ""),
        (MappingRule("Website", "url", "truncate", 10), ""),
        (MappingRule("Fax", "fax", "truncate", 10), None),
        (MappingRule("NumberOfEmployees", "employees", "truncate", 3), "0"),
        # default: the argument only when the source is None or ""
        (MappingRule("Website", "url", "default", "https://none"), "https://none"),
        (MappingRule("Type", "type", "default", "Customer"), "Customer"),
        (MappingRule("Fax", "fax", "default", "n/a"), "n/a"),
        (MappingRule("Phone", "phone", "default", "n/a"), "+1 555 0100"),
        (MappingRule("NumberOfEmployees", "employees", "default", 1), 0),  # 0 is a value
        # street_line: line n of a multi-line street (blank lines skipped); 3 takes the rest
        (MappingRule("BillingStreet", "addr1", "street_line", 1), "1 Main St"),
        (MappingRule("BillingStreet", "addr2", "street_line", 2), "Suite 4"),
        (MappingRule("BillingStreet", "addr3", "street_line", 3), "Bldg B, Floor 3"),
        (MappingRule("ShippingStreet", "addr1", "street_line", 1), "9 Dock Rd"),
        (MappingRule("ShippingStreet", "addr2", "street_line", 2), None),
        (MappingRule("ShippingStreet", "addr3", "street_line", 3), None),
        (MappingRule("Fax", "addr1", "street_line", 1), None),
        # country: a name, an alias or a code, in any case, to NetSuite's id; blank is None
        (MappingRule("BillingCountry", "country.id", "country"), "US"),
        (MappingRule("ShippingCountry", "country.id", "country"), "GB"),
        (MappingRule("BillingAddress.country.code", "country.id", "country"), "FR"),
        (MappingRule("Website", "country.id", "country"), None),
    ],
)
def test_apply_rule(rule, expected):
    assert apply_rule(rule, ACCOUNT) == expected


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (MappingRule("Name", "companyName", "truncate", None), "companyName: truncate needs"),
        (MappingRule("Name", "companyName", "truncate", "83"), "companyName: truncate needs"),
        (MappingRule("Name", "companyName", "truncate", -1), "companyName: truncate needs"),
        (MappingRule("Name", "companyName", "truncate", 8.5), "companyName: truncate needs"),
        (MappingRule("Name", "companyName", "truncate", True), "companyName: truncate needs"),
        (MappingRule("Industry", "category", "lookup", None), "category: lookup needs a table"),
        (MappingRule("Industry", "category", "lookup", ["3"]), "category: lookup needs a table"),
        (MappingRule("", "title", "template", None), "title: template needs a text"),
        (MappingRule("", "title", "template", "{Name"), "title: bad template '{Name'"),
        (MappingRule("", "title", "template", "{0}"), "title: bad template '{0}'"),
        (MappingRule("", "title", "template", "{Name[0]}"), "title: bad template"),
        (MappingRule("", "title", "template", "{}"), "title: bad template '{}'"),
        # A format an object does not take (TypeError in str.format): a bad rule, no crash.
        (MappingRule("", "title", "template", "{BillingAddress:>5}"), "title: bad template"),
        (MappingRule("Name", "companyName", "uppercase"), "companyName: unknown transform"),
        (MappingRule("BillingStreet", "addr4", "street_line", 4), "addr4: street_line needs"),
        (MappingRule("BillingStreet", "addr1", "street_line", "1"), "addr1: street_line needs"),
        (MappingRule("Name", "country.id", "country"), "country.id: 'Acme Corporation' is not"),
    ],
)
def test_bad_rule_raises_mapping_error_naming_the_target(rule, message):
    with pytest.raises(MappingError) as raised:
        apply_rule(rule, ACCOUNT)
    assert str(raised.value).startswith(message)


def test_mapping_error_is_a_value_error():
    """Callers that refuse bad input with ValueError refuse a bad rule the same way."""
    assert issubclass(MappingError, ValueError)


def test_dotted_targets_build_nested_objects_and_share_parents():
    rules = [
        MappingRule("", "subsidiary.id", "static", "1"),
        MappingRule("BillingAddress.city", "addressbook.main.city"),
        MappingRule("BillingAddress.country.code", "addressbook.main.country"),
        MappingRule("Name", "companyName"),
    ]

    assert map_record(ACCOUNT, rules) == {
        "subsidiary": {"id": "1"},
        "addressbook": {"main": {"city": "Paris", "country": "FR"}},
        "companyName": "Acme Corporation",
    }


def test_map_record_follows_rule_order_and_the_last_rule_for_a_target_wins():
    rules = [
        MappingRule("Phone", "phone"),
        MappingRule("Name", "companyName"),
        MappingRule("", "phone", "static", "override"),
        MappingRule("Industry", "category", "lookup", {"Retail": "7"}),  # a miss sets nothing
        MappingRule("Website", "url"),
    ]

    payload = map_record(ACCOUNT, rules)

    assert payload == {"phone": "override", "companyName": "Acme Corporation", "url": ""}
    assert list(payload) == ["phone", "companyName", "url"]
    assert "category" not in payload


def test_map_record_leaves_the_source_alone():
    source = {"Name": "Acme", "Address": {"city": "Paris"}}
    map_record(source, [MappingRule("Address.city", "Address.town"), MappingRule("Name", "Name")])
    assert source == {"Name": "Acme", "Address": {"city": "Paris"}}


def test_map_record_with_no_rules_is_empty():
    assert map_record(ACCOUNT, []) == {}


def test_map_record_stops_at_the_first_bad_rule():
    rules = [MappingRule("Name", "companyName"), MappingRule("Name", "phone", "truncate", "x")]
    with pytest.raises(MappingError, match=r"^phone: "):
        map_record(ACCOUNT, rules)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),
        ({"x": {"p": 1, "q": [1, {"r": 2, "s": 3}]}}, {"x": {"q": [1, {"s": 3, "r": 2}], "p": 1}}),
        ({"balance": 1500}, {"balance": 1500.0}),
        ({"balance": 1500.5}, {"balance": Decimal("1500.50")}),
        ({"balance": Decimal("10")}, {"balance": 10}),
    ],
)
def test_payload_hash_ignores_key_order_and_number_formatting(first, second):
    assert payload_hash(first) == payload_hash(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"a": 1}, {"a": 2}),
        ({"a": 1}, {"a": "1"}),
        ({"a": 1}, {"a": True}),
        ({"a": None}, {}),
        ({"a": [1, 2]}, {"a": [2, 1]}),  # list order is data
        ({"a": {"b": 1}}, {"a.b": 1}),
        ({"balance": 0.1}, {"balance": 0.2}),
    ],
)
def test_payload_hash_tells_different_payloads_apart(first, second):
    assert payload_hash(first) != payload_hash(second)


def test_payload_hash_is_a_stable_sha256_hex():
    digest = payload_hash({"companyName": "Acme", "phone": "1"})
    assert digest == payload_hash({"phone": "1", "companyName": "Acme"})
    assert len(digest) == 64 and int(digest, 16) >= 0
    # Stored hashes (Account.mapped_hash) stay valid across processes and releases.
    assert payload_hash({}) == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({}, {}, {}),
        ({"a": 1}, {"a": 1}, {}),
        ({"a": 1}, {"a": 2}, {"a": [1, 2]}),
        ({}, {"a": 1}, {"a": [None, 1]}),
        ({"a": 1}, {}, {"a": [1, None]}),
        ({"a": None}, {}, {}),  # absent and None read the same
        ({"a": {"b": 1}}, {"a": {"b": 2}}, {"a": [{"b": 1}, {"b": 2}]}),  # top level only
        (
            {"b": 1, "a": "x", "c": 3},
            {"c": 3, "b": 2, "a": "y"},
            {"a": ["x", "y"], "b": [1, 2]},
        ),
    ],
)
def test_diff(before, after, expected):
    result = diff(before, after)
    assert result == expected
    assert list(result) == sorted(result)


def test_two_rules_that_both_set_a_field_and_inside_it_are_a_mapping_error():
    rules = [MappingRule("Parent", "parent"), MappingRule("ParentNs", "parent.id")]
    with pytest.raises(MappingError, match=r"parent\.id: another rule already sets parent"):
        map_record({"Parent": "x", "ParentNs": "7"}, rules)
    with pytest.raises(MappingError, match="parent: another rule already sets fields inside"):
        map_record({"Parent": "x", "ParentNs": "7"}, list(reversed(rules)))


BILLING = [
    MappingRule("BillingStreet", "addressBook.items.0.addressBookAddress.addr1"),
    MappingRule("BillingCity", "addressBook.items.0.addressBookAddress.city"),
    MappingRule("", "addressBook.items.0.defaultBilling", "static", True),
]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            {"BillingStreet": "1 Main St", "BillingCity": "Springfield"},
            {
                "addressBook": {
                    "items": [
                        {
                            "addressBookAddress": {"addr1": "1 Main St", "city": "Springfield"},
                            "defaultBilling": True,
                        }
                    ]
                }
            },
        ),
        (  # no nulls inside a line
            {"BillingStreet": None, "BillingCity": "Springfield"},
            {
                "addressBook": {
                    "items": [
                        {
                            "addressBookAddress": {"city": "Springfield"},
                            "defaultBilling": True,
                        }
                    ]
                }
            },
        ),
        ({}, {}),  # a line only static values fill is not sent, nor its empty sublist
        ({"BillingStreet": "", "BillingCity": None}, {}),
    ],
)
def test_sublist_lines_are_built_from_numbered_paths(source, expected):
    assert map_record(source, BILLING) == expected


def test_numbered_paths_read_from_lists():
    data = {"addressBook": {"items": [{"label": "HQ"}]}}
    assert get_path(data, "addressBook.items.0.label") == "HQ"
    assert get_path(data, "addressBook.items.1.label") is None
