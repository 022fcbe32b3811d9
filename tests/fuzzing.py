"""
What the fuzz tests (tests/test_fuzz_*.py) share: hypothesis settings, JSON strategies that
include what Python's json accepts but JSON does not, and the never-a-5xx oracle.

The examples are the same on every run (derandomized), so CI is repeatable. To hunt for more:
SFNS_FUZZ_RANDOM=1 SFNS_FUZZ_EXAMPLES=5000 .venv/bin/pytest --timeout=0 tests/test_fuzz_webhooks.py
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("SFNS_FUZZ_EXAMPLES", "200"))

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a request's time varies with the machine; the suite's timeout bounds it
    database=None,  # no .hypothesis/ directory in the work tree
    derandomize=not os.environ.get("SFNS_FUZZ_RANDOM"),
    # The fixtures (client, emulators, seed rows) are meant to be shared by all examples;
    # each example runs in its own rolled-back transaction (rolled_back below).
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """One example's writes, undone after it: every example starts from the same rows."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def mostly(good: st.SearchStrategy, bad: st.SearchStrategy, odds: int = 20) -> st.SearchStrategy:
    """`bad` once in `odds` draws: a message with one thing wrong in it reaches deeper into
    SFNS than one with many (the first refuses it). Shrinks towards `good`."""
    return st.integers(0, odds - 1).flatmap(lambda n: bad if n == odds - 1 else good)


# Text any database holds, and any text at all (NUL, control characters, unpaired surrogates).
clean_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))
clean_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | clean_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(clean_text, children, max_size=4)
    ),
    max_leaves=12,
)

any_text = st.text(max_size=40)

# What json.loads gives back, plus NaN, Infinity and numbers a double cannot hold.
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**17, max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | any_text
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def deeply_nested(draw: st.DrawFn) -> object:
    """A value nested 1 to 80 lists or objects deep (SFNS refuses past 32)."""
    value = draw(json_scalars)
    for _ in range(draw(st.integers(1, 80))):
        value = {draw(any_text): value} if draw(st.booleans()) else [value]
    return value


def has_message(response) -> bool:
    """A 4xx says what is wrong: a JSON error, a SOAP fault string, or Django's page text."""
    text = response.content.decode("utf-8", "replace")
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        return bool(body) and all(body.values()) if isinstance(body, dict) else bool(body)
    if "xml" in response["Content-Type"]:
        return "<faultstring>" in text and "<faultstring></faultstring>" not in text
    return "Not Found" in text or "Bad Request" in text or "Method Not Allowed" in text


def assert_answered(response) -> None:
    """Never a server error; a refusal carries its reason."""
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        assert has_message(response), (response.status_code, response.content[:500])
