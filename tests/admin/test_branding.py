"""Every admin page says SFNS, the login page and the browser's title bar included."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def titles_and_header(html: str) -> tuple[str, str]:
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
    header = re.search(r'id="site-name"><a href="[^"]*">(.*?)</a>', html, re.S).group(1)
    return title, header


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/accounts/",
        "/admin/accounts/account/",
        "/admin/integration_log/logentry/",
        "/admin/dashboard/",
        "/admin/password_change/",
    ],
)
def test_admin_pages_say_sfns(admin_client, url):
    html = admin_client.get(url).content.decode()

    title, header = titles_and_header(html)
    assert title.endswith("| SFNS admin"), title
    assert header.startswith("SFNS"), header
    assert "Django" not in html


def test_the_login_page_says_sfns(client):
    html = client.get("/admin/login/").content.decode()

    assert titles_and_header(html) == ("Log in | SFNS admin", "SFNS · Salesforce ↔ NetSuite sync")
    assert "Django" not in html


def test_the_index_is_sfns_administration(admin_client):
    html = admin_client.get("/admin/").content.decode()

    assert "<h1>SFNS administration</h1>" in html
    assert "Site administration" not in html
