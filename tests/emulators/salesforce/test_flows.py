"""
The package's record-triggered flows as the emulator reads them (emulators/salesforce/package.py)
and their entry formulas (formula.py): what it follows, and what it refuses to half-follow.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from emulators.salesforce import SalesforceEmulator
from emulators.salesforce.formula import FormulaError, compile_formula
from emulators.salesforce.package import PACKAGE_DIR, PackageError, load_flows

DEFAULT = Path("force-app") / "main" / "default"
SFNS = frozenset({"SFNS_Integration"})
NOBODY: frozenset[str] = frozenset()


@pytest.mark.parametrize(
    ("formula", "held", "enters"),
    [
        ("NOT({!$Permission.SFNS_Integration})", SFNS, False),
        ("NOT({!$Permission.SFNS_Integration})", NOBODY, True),
        ("not( {!$Permission.SFNS_Integration} )", NOBODY, True),
        ("!{!$Permission.SFNS_Integration}", SFNS, False),
        ("AND(NOT({!$Permission.SFNS_Integration}), {!$Permission.Sales})", {"Sales"}, True),
        ("AND(NOT({!$Permission.SFNS_Integration}), {!$Permission.Sales})", NOBODY, False),
        ("{!$Permission.Sales} || {!$Permission.SFNS_Integration}", SFNS, True),
        ("{!$Permission.Sales} && ({!$Permission.SFNS_Integration} || TRUE)", {"Sales"}, True),
        ("OR(FALSE, FALSE)", SFNS, False),
    ],
)
def test_entry_formulas_over_custom_permissions(formula, held, enters):
    assert compile_formula(formula)(frozenset(held)) is enters


@pytest.mark.parametrize(
    "formula",
    [
        "ISCHANGED({!$Record.Phone})",
        "{!$Record.Name} = 'Acme'",
        "NOT({!$Permission.SFNS_Integration}",
        "NOT({!$Permission.SFNS_Integration}, TRUE)",
        "{!$Permission.SFNS_Integration} {!$Permission.Sales}",
    ],
)
def test_a_formula_the_emulator_cannot_follow_is_refused(formula):
    with pytest.raises(FormulaError):
        compile_formula(formula)


def test_the_packages_flows_skip_the_integration_permission():
    flows = load_flows()

    assert sorted(flows) == ["Account", "Contact", "Opportunity"]
    for sobject, [flow] in flows.items():
        assert (flow.sobject, flow.message) == (sobject, f"SFNS_{sobject}_Changed")
        assert flow.starts_on(created=True) and flow.starts_on(created=False)
        assert not flow.enters(SFNS) and flow.enters(NOBODY)


@pytest.fixture
def package(tmp_path) -> Path:
    """A copy of the Salesforce DX package to change."""
    copy = tmp_path / "salesforce"
    shutil.copytree(PACKAGE_DIR, copy)
    return copy


def edit(package: Path, relative: str, old: str, new: str) -> None:
    path = package / DEFAULT / relative
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


ACCOUNT_FLOW = "flows/SFNS_Account_Changed.flow-meta.xml"
FORMULA = "<filterFormula>NOT({!$Permission.SFNS_Integration})</filterFormula>"


@pytest.mark.parametrize(
    ("relative", "old", "new", "says"),
    [
        (
            ACCOUNT_FLOW,
            FORMULA,
            "<filterFormula>NOT({!$Permission.SFNS_Sync})</filterFormula>",
            "$Permission.SFNS_Sync is not in customPermissions/",
        ),
        (
            ACCOUNT_FLOW,
            FORMULA,
            "<filterFormula>ISCHANGED({!$Record.Phone})</filterFormula>",
            "the emulator evaluates only",
        ),
        (
            ACCOUNT_FLOW,
            FORMULA,
            "<filterLogic>and</filterLogic><filters><field>Phone</field><operator>IsChanged"
            "</operator><value><booleanValue>true</booleanValue></value></filters>",
            "entry conditions given as a formula",
        ),
        (
            "permissionsets/SFNS_Integration.permissionset-meta.xml",
            "<name>SFNS_Integration</name>",
            "<name>SFNS_Bypass</name>",
            "custom permission SFNS_Bypass is not in customPermissions/",
        ),
    ],
    ids=["unknown permission", "record formula", "filters", "permission set"],
)
def test_a_package_the_emulator_cannot_follow_stops_it_from_starting(
    package, relative, old, new, says
):
    edit(package, relative, old, new)

    with pytest.raises(PackageError, match=says.replace("$", r"\$")):
        SalesforceEmulator(package_dir=package)


def test_an_inactive_flow_sends_nothing(package):
    edit(package, ACCOUNT_FLOW, "<status>Active</status>", "<status>Draft</status>")

    assert sorted(load_flows(package)) == ["Contact", "Opportunity"]
