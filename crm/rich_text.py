"""Rich text (a textarea whose `textarea.type` is "rich_text"): Zoho stores HTML, and any
API client can store any markup in it. The portal never shows it raw: `sanitise` keeps a
small set of formatting tags and safe links (nh3, the Python binding of the maintained
Rust sanitiser ammonia); `plain_text` keeps the words only (lists, titles)."""

from __future__ import annotations

import html

import nh3

TAGS = {
    "p", "br", "b", "strong", "i", "em", "u", "s", "strike", "sub", "sup", "span", "div",
    "ul", "ol", "li", "blockquote", "pre", "code", "h1", "h2", "h3", "h4", "h5", "h6",
    "a", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitise(markup: str) -> str:
    """HTML safe to put in a page as is: formatting and http(s)/mailto links only; no
    script, style, event handler, image, form or frame (their content dropped)."""
    return nh3.clean(
        markup,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def plain_text(markup: str) -> str:
    """The words of rich text, no markup (for lists and one-line places)."""
    text = nh3.clean(markup.replace("<br", " <br").replace("</p>", " </p>"), tags=set())
    return " ".join(html.unescape(text).split())
