"""sync.address_book, as tables: SFNS's address lines known by their role and their ids."""

from __future__ import annotations

import pytest

from sync import address_book

BILLING = {"addressBookAddress": {"addr1": "1 Main St"}, "defaultBilling": True}
SHIPPING = {"addressBookAddress": {"addr1": "9 Dock Rd"}, "defaultShipping": True}


def _payload(*lines):
    return {"companyName": "Acme", "addressBook": {"items": list(lines)}}


@pytest.mark.parametrize(
    ("payload", "pushed", "expected"),
    [
        # the ids of the lines of the same role pushed before, whatever their order
        (
            _payload(BILLING, SHIPPING),
            _payload({**SHIPPING, "id": "8"}, {**BILLING, "id": "7"}),
            _payload({**BILLING, "id": "7"}, {**SHIPPING, "id": "8"}),
        ),
        # a line pushed before under another role is not this one
        (_payload(SHIPPING), _payload({**BILLING, "id": "7"}), _payload(SHIPPING)),
        # a label is part of the role
        (
            _payload({**BILLING, "label": "HQ"}),
            _payload({**BILLING, "id": "7"}),
            _payload({**BILLING, "label": "HQ"}),
        ),
        (_payload(BILLING), None, _payload(BILLING)),
        ({"companyName": "Acme"}, _payload({**BILLING, "id": "7"}), {"companyName": "Acme"}),
    ],
)
def test_with_line_ids(payload, pushed, expected):
    assert address_book.with_line_ids(payload, pushed) == expected


def test_dropped_ids_are_sfns_lines_the_payload_no_longer_has():
    pushed = _payload({**BILLING, "id": "7"}, {**SHIPPING, "id": "8"})

    assert address_book.dropped_ids(_payload({**BILLING, "id": "7"}), pushed) == ["8"]
    assert address_book.dropped_ids({"companyName": "Acme"}, pushed) == ["7", "8"]
    assert address_book.dropped_ids(pushed, pushed) == []


def test_keeping_others_names_every_other_line_by_its_id_alone():
    current = [{**BILLING, "id": "7"}, {**SHIPPING, "id": "8"}, {"id": "9", "label": "Dock"}]

    body = address_book.keeping_others(_payload({**BILLING, "id": "7"}), current, ["8"])

    assert body["addressBook"]["items"] == [{**BILLING, "id": "7"}, {"id": "9"}]


def test_learn_line_ids_takes_the_newest_line_of_the_same_role_and_address():
    current = [
        {**BILLING, "id": "3", "defaultBilling": False},  # NetSuite moved the flag since
        {**BILLING, "id": "5", "label": "1 Main St"},  # NetSuite labels an unlabelled line
        {
            "addressBookAddress": {"addr1": "9 Dock Rd", "addrText": "9 Dock Rd"},
            "id": "6",
            "defaultShipping": True,
        },
    ]

    learnt = address_book.learn_line_ids(_payload(BILLING, SHIPPING), current)

    assert [line.get("id") for line in address_book.lines(learnt)] == ["5", "6"]


def test_a_line_netsuite_does_not_have_keeps_no_id():
    learnt = address_book.learn_line_ids(_payload(BILLING), [{**SHIPPING, "id": "6"}])

    assert address_book.missing_ids(learnt)


def test_adopt_lines_gives_a_new_default_line_the_id_of_the_line_holding_its_flags():
    current = [
        {"id": "3", "label": "Dock"},
        {"id": "4", "defaultBilling": True, "defaultShipping": True},
    ]

    adopted = address_book.adopt_lines(_payload(BILLING, SHIPPING, {"label": "Extra"}), current)

    # the shipping line finds the flag on a line the billing line took: it is added anew
    assert [line.get("id") for line in address_book.lines(adopted)] == ["4", None, None]


def test_line_ids_given_as_numbers_are_the_same_ids():
    pushed = _payload({**BILLING, "id": 7}, {**SHIPPING, "id": 8})
    current = [{**BILLING, "id": 7}, {**SHIPPING, "id": 8}, {"id": 9}]

    assert address_book.dropped_ids(_payload({**BILLING, "id": "7"}), pushed) == [8]
    body = address_book.keeping_others(_payload({**BILLING, "id": "7"}), current, [8])
    assert [line["id"] for line in body["addressBook"]["items"]] == ["7", 9]
