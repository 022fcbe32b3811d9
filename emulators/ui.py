"""
The pages a person uses at an emulator's root: its records by type, and a page per record whose
form changes it as a person would, through the same path as POST /__emulator__/edit (so the
Salesforce flows send their outbound message, and NetSuite's script its notification, as the
real systems do). Server-rendered HTML that needs no script; every value is escaped (records hold
user text); a POST needs the page's form token and, when the browser names one, its own origin.
"""

from __future__ import annotations

import hmac
import html
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

LIST_LIMIT = 50  # records listed per type; the others open by their address
STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0 2em 2em;color:#222}
header{padding:.8em 0;border-bottom:1px solid #ccc;margin-bottom:1em}
header a{font-weight:bold;color:#222;text-decoration:none}
h2{margin-top:1.6em;font-size:1.15em}
table{border-collapse:collapse;margin:.4em 0}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4}
td.sub{padding:0 .6em;border:0}
form.record{display:grid;grid-template-columns:max-content 28em;gap:.35em .8em;align-items:center}
form.record textarea{height:4em}
form.record button{grid-column:2;justify-self:start;margin-top:.5em}
.notice{background:#e8f5e9;padding:.5em .8em}
.error{background:#fdecea;padding:.5em .8em}
.hint{color:#666}
a.button{display:inline-block;border:1px solid #888;border-radius:3px;padding:.2em .7em;
margin-right:.4em;text-decoration:none;color:#222;background:#f4f4f4}
"""
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def text(value: Any) -> str:
    """A stored value as a form field holds it: numbers without a needless ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):  # a NetSuite reference
        return str(value.get("id", ""))
    return str(value)


def cell(value: Any) -> str:
    """A stored value as a table shows it, escaped."""
    if isinstance(value, bool):
        return "&#10003;" if value else ""
    if isinstance(value, dict):
        return esc(value.get("refName") or value.get("id") or "")
    return esc(text(value))


def link(href: str, label: Any) -> str:
    return f'<a href="{esc(href)}">{esc(label) or "(no name)"}</a>'


def table(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """Cells are HTML already (cell(), link())."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>" if body else '<p class="hint">None.</p>'


def more(total: int, hint: str) -> str:
    """The note under a list cut at LIST_LIMIT."""
    if total <= LIST_LIMIT:
        return ""
    return f'<p class="hint">{total - LIST_LIMIT} more not listed: {esc(hint)}</p>'


@dataclass(frozen=True)
class Field:
    """A field on a record's form: its name, label, kind of input and stored value."""

    name: str
    label: str
    kind: str  # "text", "textarea", "number", "date" or "checkbox"
    value: Any

    def input(self) -> str:
        name = esc(self.name)
        if self.kind == "checkbox":
            checked = " checked" if self.value else ""
            return f'<input type="checkbox" id="{name}" name="{name}" value="on"{checked}>'
        if self.kind == "textarea":
            return f'<textarea id="{name}" name="{name}">{esc(text(self.value))}</textarea>'
        kind = "date" if self.kind == "date" else "text"
        mode = ' inputmode="decimal"' if self.kind == "number" else ""
        value = esc(text(self.value))
        return f'<input type="{kind}" id="{name}" name="{name}" value="{value}"{mode}>'

    def shown(self) -> str | bool:
        """The value as the form shows it (what "was" remembers)."""
        return bool(self.value) if self.kind == "checkbox" else text(self.value)


def same(kind: str, before: str, submitted: str) -> bool:
    if before == submitted:
        return True
    try:
        return kind == "number" and float(before) == float(submitted)
    except ValueError:
        return False


def changed_values(form: MultiDict, fields: list[Field]) -> dict[str, Any]:
    """
    The fields the person changed: those whose submitted value differs from the one the form
    showed (kept in its "was" field, so a change saved since the page opened, SFNS's write-back
    say, is not undone), as strings (line ends as \\n; "" clears) or, for checkboxes, booleans.
    """
    try:
        was = json.loads(form.get("was") or "{}")
    except ValueError:
        was = {}
    was = was if isinstance(was, dict) else {}
    changed: dict[str, Any] = {}
    for field in fields:
        before = was.get(field.name, field.shown())
        if field.kind == "checkbox":
            if (field.name in form) != bool(before):
                changed[field.name] = field.name in form
            continue
        if field.name not in form:
            continue
        submitted = form[field.name].replace("\r\n", "\n")
        if field.kind != "textarea":
            submitted = submitted.strip()
        if not same(field.kind, str(before), submitted):
            changed[field.name] = submitted
    return changed


def record_form(action: str, fields: list[Field], token: str, **hidden: str) -> str:
    rows = "".join(
        f'<label for="{esc(field.name)}">{esc(field.label)}</label>{field.input()}'
        for field in fields
    )
    was = json.dumps({field.name: field.shown() for field in fields})
    extra = "".join(
        f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">'
        for k, v in {**hidden, "was": was}.items()
    )
    return (
        f'<form class="record" method="post" action="{esc(action)}">'
        f'<input type="hidden" name="token" value="{esc(token)}">{extra}{rows}'
        "<button>Save</button></form>"
    )


def page(title: str, body: str, *, home: str, notice: str = "", error: str = "") -> Response:
    messages = (f'<p class="notice">{esc(notice)}</p>' if notice else "") + (
        f'<p class="error">{esc(error)}</p>' if error else ""
    )
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f'<header><a href="/">{esc(home)}</a></header><h1>{esc(title)}</h1>'
        f"{messages}{body}</body></html>"
    )
    return Response(
        document,
        status=400 if error else 200,
        content_type="text/html; charset=utf-8",
        headers=HEADERS,
    )


def refusal(status: int, message: str, *, home: str) -> Response:
    response = page("Not done", f'<p class="error">{esc(message)}</p>', home=home)
    response.status_code = status
    return response


class RecordPages:
    """
    An emulator's pages: GET / lists the records, GET <a record's address> shows its page and
    form, POST there saves the form. Subclasses say which addresses are records (target), what
    the pages hold (index, record_page) and how a form is saved (save: a notice or an error).
    """

    home = "Emulator"

    def __init__(self) -> None:
        # Per process: a page from before a restart asks to be reloaded rather than saving.
        self.token = secrets.token_urlsafe(24)

    def target(self, path: str) -> tuple[str, str] | None:
        raise NotImplementedError

    def index(self, request: Request) -> str:
        raise NotImplementedError

    def record_page(self, request: Request, rtype: str, rid: str) -> tuple[str, str] | None:
        """(title, body) of the record's page; None when there is no such record."""
        raise NotImplementedError

    def save(self, request: Request, rtype: str, rid: str) -> tuple[str, str]:
        """Apply the submitted form: (notice, "") when saved, ("", error) when refused."""
        raise NotImplementedError

    def serves(self, path: str) -> bool:
        return path == "/" or self.target(path) is not None

    def __call__(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD", "POST") or (
            request.method == "POST" and request.path == "/"
        ):
            return refusal(405, f"{request.method} is not allowed here.", home=self.home)
        if request.path == "/":
            return page(self.home, self.index(request), home=self.home)
        rtype, rid = self.target(request.path)  # type: ignore[misc]  # served: a record address
        notice = error = ""
        if request.method == "POST":
            if refused := self.refused(request):
                return refused
            notice, error = self.save(request, rtype, rid)
        shown = self.record_page(request, rtype, rid)
        if shown is None:
            return refusal(404, f"There is no {rtype} {rid}.", home=self.home)
        title, body = shown
        return page(title, body, home=self.home, notice=notice, error=error)

    def refused(self, request: Request) -> Response | None:
        """A POST from another site's page, or without this page's token, is not saved."""
        origin = request.headers.get("Origin")
        if origin is not None and origin != request.host_url.rstrip("/"):
            return refusal(403, "This form was sent from another site: not saved.", home=self.home)
        if not hmac.compare_digest(request.form.get("token", ""), self.token):
            return refusal(
                403,
                "This form is out of date (the emulator restarted): reload the page and try again.",
                home=self.home,
            )
        return None

    def form(self, request: Request, fields: list[Field], **hidden: str) -> str:
        return record_form(request.path, fields, self.token, **hidden)
