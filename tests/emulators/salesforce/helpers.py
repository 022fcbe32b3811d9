"""Calls to the Salesforce emulator over real HTTPS, for its tests."""

from __future__ import annotations

import requests

API = "/services/data/v62.0"


class Api:
    """A bearer-authenticated session on one emulator's /services/data/v62.0."""

    def __init__(self, url: str, token: str, verify: str | bool) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.verify = verify
        self.session.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method: str, path: str, **kwargs) -> requests.Response:
        target = path if path.startswith("/services/") else f"{API}/{path}"
        return self.session.request(method, self.url + target, timeout=10, **kwargs)

    def control(self, action: str, body: dict | None = None) -> requests.Response:
        response = self.session.post(
            f"{self.url}/__emulator__/{action}", json=body or {}, timeout=10
        )
        response.raise_for_status()
        return response

    def state(self) -> dict:
        response = self.session.get(f"{self.url}/__emulator__/state", timeout=10)
        response.raise_for_status()
        return response.json()

    def query(self, soql: str, **kwargs) -> requests.Response:
        return self("GET", "query", params={"q": soql}, **kwargs)


def as_person(sf: Api) -> Api:
    """
    A session on the same org for a person, who (unlike SFNS's integration user, whom every
    OAuth login is) lacks the SFNS_Integration permission: their API changes send messages.
    """
    token = sf.control("person-token").json()["access_token"]
    return Api(sf.url, token, sf.session.verify)


def password_token(url: str, settings, verify: str | bool = True, **overrides) -> requests.Response:
    form = {
        "grant_type": "password",
        "client_id": settings.SALESFORCE_CLIENT_ID,
        "client_secret": settings.SALESFORCE_CLIENT_SECRET,
        "username": settings.SALESFORCE_USERNAME,
        "password": settings.SALESFORCE_PASSWORD,
        **overrides,
    }
    return requests.post(f"{url}/services/oauth2/token", data=form, timeout=10, verify=verify)


def error_of(response: requests.Response) -> tuple[int, str, str]:
    body = response.json()
    assert isinstance(body, list)
    assert set(body[0]) == {"message", "errorCode", "fields"}
    return response.status_code, body[0]["errorCode"], body[0]["message"]


def create_account(sf: Api, **fields) -> str:
    response = sf("POST", "sobjects/Account/", json={"Name": "Acme", **fields})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def add_custom_fields(sf: Api, sobject: str, **fields: dict) -> None:
    """Give the org custom fields the package does not define, e.g. NS_Id__c={"type": ...}."""
    sf.control("fields", {"sobject": sobject, "add": fields})


def seed(sf: Api, **data) -> dict:
    return sf.control("seed", data).json()["ids"]


def names(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [record["Name"] for record in response.json()["records"]]
