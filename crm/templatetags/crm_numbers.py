"""`{{ n|number }}`: a count or number in the user's own separators (`crm.numbers`)."""

from __future__ import annotations

from django import template

from crm import numbers

register = template.Library()


@register.filter
def number(value):
    if isinstance(value, int | float) and not isinstance(value, bool):
        return numbers.active().number(value)
    return value
