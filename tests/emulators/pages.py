"""Reading the emulators' pages as a browser does: a form's values as it would submit them."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser


class FormReader(HTMLParser):
    """The values of the page's forms, in order: inputs, ticked checkboxes, textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.forms.append({})
        elif tag == "input" and self.forms:
            kind, name = values.get("type", "text"), values.get("name") or ""
            if kind != "checkbox" or "checked" in values:
                self.forms[-1][name] = values.get("value") or ""
        elif tag == "textarea" and self.forms:
            self.textarea = values.get("name") or ""
            self.forms[-1][self.textarea] = ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.forms[-1][self.textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self.textarea = None


def form_data(page: str, index: int = 0) -> dict[str, str]:
    reader = FormReader()
    reader.feed(page)
    return reader.forms[index]


def message(page: str, kind: str = "notice") -> str:
    """The page's notice (or error) as the person reads it; "" when there is none."""
    found = re.search(rf'<p class="{kind}">(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)) if found else ""
