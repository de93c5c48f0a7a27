"""Human-readable rendering of stored data (audit details) for portal templates."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _label(key: str) -> str:
    text = str(key).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _value(value) -> str:
    if value is None or value == "":
        return "–"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(_value(v) for v in value) or "none"
    if isinstance(value, dict):
        if set(value) == {"before", "after"} or set(value) == {"old", "new"}:
            old, new = (value.get("before", value.get("old")), value.get("after", value.get("new")))
            return f"{_value(old)} → {_value(new)}"
        return "; ".join(f"{_label(k)}: {_value(v)}" for k, v in value.items())
    return str(value)


@register.filter
def details_list(details) -> SafeString:
    """A dict as a list of “Label: value” lines; anything else as plain text."""
    if not details:
        return mark_safe('<span class="muted">–</span>')
    if not isinstance(details, dict):
        return format_html("{}", _value(details))
    rows = ((_label(k), _value(v)) for k, v in details.items())
    items = format_html_join("", '<li><span class="k">{}:</span> {}</li>', rows)
    return format_html('<ul class="kv">{}</ul>', items)


@register.filter
def action_label(action: str) -> str:
    """ "tenant.oidc_settings_updated" → "Tenant: oidc settings updated"."""
    area, _, what = str(action).partition(".")
    if not what:
        return _label(area)
    return f"{_label(area)}: {what.replace('_', ' ').replace('.', ' ')}"
