"""A module's layouts as an org has them: the default one (``schema.layout_json``) and the
extra ones of ``field_rules``, each with the fields it makes mandatory (``settings/layouts``,
and what a create checks)."""

from __future__ import annotations

from . import field_rules
from .schema import layout_id, layout_json, section_json


def layout_ids(mod) -> list[str]:
    """A module's layout ids, the default one first."""
    return [layout_id(mod)] + [lay.layout_id for lay in field_rules.extra_layouts(mod.api_name)]


def _extra_layout(mod, lid: str) -> field_rules.ExtraLayout | None:
    return next(
        (lay for lay in field_rules.extra_layouts(mod.api_name) if lay.layout_id == lid), None
    )


def layout_name(mod, lid: str) -> str | None:
    if lid == layout_id(mod):
        return "Standard"
    found = _extra_layout(mod, lid)
    return found.name if found else None


def required_fields(mod, lid: str, overrides: dict) -> set[str]:
    """The fields a record of ``mod`` created in layout ``lid`` must have: the system
    mandatory ones, the layout's own, and what the control plane changed
    (``overrides``: ``{(module, layout id): {field: bool}}``)."""
    names = {fd.api_name for fd in mod.fields.values() if fd.mandatory}
    if lid == layout_id(mod):
        names |= field_rules.DEFAULT_LAYOUT_REQUIRED.get(mod.api_name, frozenset())
    else:
        extra = _extra_layout(mod, lid)
        names |= extra.required if extra else frozenset()
    for name, required in overrides.get((mod.api_name, lid), {}).items():
        fd = mod.fields.get(name)
        if fd is not None and fd.mandatory:
            continue  # a system mandatory field stays mandatory
        if required:
            names.add(name)
        else:
            names.discard(name)
    return names


def layouts_json(mod, overrides: dict) -> list[dict]:
    """``settings/layouts``: the default layout, then the module's other layouts, each
    section field flagged ``required`` as that layout makes it."""
    default = layout_json(mod)
    out = [default]
    for lay in field_rules.extra_layouts(mod.api_name):
        base = int(lay.layout_id)
        sections = []
        for title, names in lay.sections:
            fields = [mod.fields[n] for n in names if n in mod.fields]
            sections.append(section_json(mod, title, fields, len(sections) + 1, base, False))
        out.append(
            {
                **default,
                "id": lay.layout_id,
                "name": lay.name,
                "display_label": lay.name,
                "api_name": lay.api_name,
                "generated_type": "custom",
                "sections": sections,
            }
        )
    for layout in out:
        required = required_fields(mod, layout["id"], overrides)
        for section in layout["sections"]:
            for entry in section["fields"]:
                entry["required"] = entry["api_name"] in required
    return out
