"""
The org's users and who is making a change. Two users: SFNS's integration user, who logs in
through OAuth and holds the package's permission sets (README, "Connect your org", step 3), so
its custom permissions; and a person, who edits in the UI (/__emulator__/edit, /merge) or uses
the API with a session from /__emulator__/person-token (Data Loader, Workbench). A record-triggered
flow's entry condition is evaluated for the user making the change.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from .ids import KEY_PREFIXES, POD, id18

INTEGRATION_USER_ID = id18(KEY_PREFIXES["User"] + POD + "000000001")
PERSON_ID = id18(KEY_PREFIXES["User"] + POD + "000000002")

# The user whose change this request makes: set per API call from its session (limits.api_call)
# and for the UI control endpoints; a request runs in its own thread, so in its own context.
_acting_user: contextvars.ContextVar[str] = contextvars.ContextVar(
    "salesforce_acting_user", default=PERSON_ID
)


@contextmanager
def acting_as(user_id: str) -> Iterator[None]:
    token = _acting_user.set(user_id)
    try:
        yield
    finally:
        _acting_user.reset(token)


def acting_user() -> str:
    return _acting_user.get()
