"""
The backfill's working state, in one SQLite file beside it rather than in memory or in SFNS's
database: every NetSuite customer with its matching keys (indexed), which Account claimed which
customer in this run, and the checkpoint a resumed run starts from. Memory stays flat however
many customers the account has, and a dry run leaves SFNS's database untouched.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import matching

KEY_COLUMNS = {
    matching.NAME: "name_key",
    matching.WEBSITE: "website_key",
    matching.PHONE: "phone_key",
    matching.EMAIL: "email_key",
}
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS customer (
    netsuite_id TEXT PRIMARY KEY, company_name TEXT, owner TEXT, inactive INTEGER,
    locked INTEGER, claimed_by TEXT, {", ".join(f"{c} TEXT" for c in KEY_COLUMNS.values())}
);
CREATE INDEX IF NOT EXISTS customer_owner ON customer (owner);
{"".join(f"CREATE INDEX IF NOT EXISTS ix_{c} ON customer ({c});" for c in KEY_COLUMNS.values())}
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""


# The column names are this module's constants: nothing from outside is spliced in.
UPSERT_CUSTOMER = (
    f"INSERT INTO customer (netsuite_id, company_name, owner, inactive, locked, "  # noqa: S608
    f"{', '.join(KEY_COLUMNS.values())}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (netsuite_id) DO UPDATE SET company_name = excluded.company_name, "
    "owner = excluded.owner, inactive = excluded.inactive, locked = excluded.locked, "
    + ", ".join(f"{c} = excluded.{c}" for c in KEY_COLUMNS.values())
)


@dataclass(frozen=True)
class IndexedCustomer:
    netsuite_id: str
    company_name: str
    owner: str  # the Salesforce id on the customer (external id or Salesforce ID field), or ""
    inactive: bool
    locked: bool
    claimed_by: str


class BackfillIndex:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    # -- the checkpoint --------------------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def put(self, **values: Any) -> None:
        self.db.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [(key, json.dumps(value)) for key, value in values.items()],
        )
        self.db.commit()

    # -- customers -------------------------------------------------------------------------
    def add_customers(self, rows: Iterable[dict[str, Any]]) -> None:
        """rows: {netsuite_id, company_name, owner, inactive, locked, keys: {rule: key}}."""
        self.db.executemany(
            UPSERT_CUSTOMER,
            [
                (
                    row["netsuite_id"],
                    row["company_name"],
                    row["owner"],
                    int(row["inactive"]),
                    int(row["locked"]),
                    *(row["keys"][rule] or None for rule in KEY_COLUMNS),
                )
                for row in rows
            ],
        )
        self.db.commit()

    def customer(self, netsuite_id: str) -> IndexedCustomer | None:
        row = self.db.execute(
            "SELECT netsuite_id, company_name, owner, inactive, locked, claimed_by "
            "FROM customer WHERE netsuite_id = ?",
            (netsuite_id,),
        ).fetchone()
        return _customer(row) if row else None

    def owned_by(self, salesforce_id: str) -> list[str]:
        """The customers that already carry this Salesforce id."""
        rows = self.db.execute(
            "SELECT netsuite_id FROM customer WHERE owner = ? ORDER BY netsuite_id",
            (salesforce_id,),
        )
        return [row[0] for row in rows]

    def candidates(
        self, keys: dict[str, str], enabled: Iterable[str], salesforce_id: str
    ) -> dict[str, list[str]]:
        """
        For each enabled rule, the active customers that share its key and that no other
        Account has (on the customer, or claimed earlier in this run).
        """
        found: dict[str, list[str]] = {}
        for rule in enabled:
            if not keys.get(rule):
                continue
            rows = self.db.execute(
                f"SELECT netsuite_id FROM customer WHERE {KEY_COLUMNS[rule]} = ? "  # noqa: S608
                "AND inactive = 0 AND owner = '' AND (claimed_by IS NULL OR claimed_by = ?) "
                "LIMIT 50",
                (keys[rule], salesforce_id),
            )
            found[rule] = [row[0] for row in rows]
        return found

    def claim(self, netsuite_id: str, salesforce_id: str) -> None:
        self.db.execute(
            "UPDATE customer SET claimed_by = ? WHERE netsuite_id = ?", (salesforce_id, netsuite_id)
        )

    def commit(self) -> None:
        self.db.commit()


def _customer(row: tuple) -> IndexedCustomer:
    netsuite_id, name, owner, inactive, locked, claimed_by = row
    return IndexedCustomer(
        netsuite_id, name or "", owner or "", bool(inactive), bool(locked), claimed_by or ""
    )
