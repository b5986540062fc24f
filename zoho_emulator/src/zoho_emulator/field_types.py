"""The field types real orgs use beyond the plain ones, with their demo values and files.

Every demo org's Leads get one custom field of each type Zoho's ``settings/fields`` reports
for them: ``fileupload``, ``imageupload``, ``multiselectlookup`` (through a linking module to
Products), ``multiuserlookup`` (through a linking module to users), a rich-text ``textarea``
(``textarea.type: "rich_text"``), ``userlookup``, ``address`` (one compound value) and a
``subform`` (Visit Log), a static subform (Qualification Checklist: its module is
``generated_type: "static_subform"``, one fixed row per criterion), plus a currency field with
a precision of its own (``Deposit``, ``currency.precision: 0``). Leads, Contacts and Accounts
get record photos (``Record_Image``, the photo's id).

The bytes behind file, image and photo values are small and made here (a PNG of one colour,
a one-page PDF): the same ids give the same bytes after every reset. Files uploaded through
``POST /crm/v8/files`` live in the org's state until the next reset.
"""

from __future__ import annotations

import dataclasses
import hashlib
import struct
import zlib
from dataclasses import dataclass

from .catalog import PICKLISTS

LEADS_FIELDS = """
Proposal | Proposal | fileupload | C NS
Site_Photos | Site Photos | imageupload | C NS
Interested_Products | Interested Products | multiselectlookup | C NS
Account_Team | Account Team | multiuserlookup | C NS
Call_Notes | Call Notes | textarea | C len=32000
Sales_Engineer | Sales Engineer | userlookup | C NS
Visit_Address | Visit Address | address | C NS
Visit_Log | Visit Log | subform | C NS sub=Visit_Log
Deposit | Deposit | currency | C dp=0
Qualification_Checklist | Qualification Checklist | subform | C NS sub=Qualification_Checklist
"""
RICH_TEXT = {"Call_Notes"}
VISIT_LOG = """
Visit_Date | Visit Date | date |
Visited_By | Visited By | userlookup | NS
Outcome | Outcome | text | len=255
Travel_Cost | Travel Cost | currency | dp=2
"""
# A static subform (``settings/modules``: ``generated_type: "static_subform"`` and
# ``static_subform_properties.fields``, as Zoho's getModules example "all modules with
# variations" lists Subform_2): its static field names the rows, one per criterion, and the
# rows are fixed (crm/field_values.py refuses adding, dropping or renaming one).
QUALIFICATION_CHECKLIST = """
Criterion | Criterion | picklist | pick=qualification_criterion
Met | Met | boolean |
Evidence | Evidence | text | len=255
"""
STATIC_SUBFORMS: dict[str, tuple[str, ...]] = {"Qualification_Checklist": ("Criterion",)}
EVIDENCE = {
    "Budget": "Budget approved for this quarter",
    "Authority": "Talked to the buyer who signs",
    "Need": "Current supplier cannot deliver in time",
    "Timeline": "Wants delivery before the season",
}
# Linking modules: (module, lookup field to the parent, connected field, connected module)
LINKING = {
    "Interested_Products": ("Leads_X_Products", "Lead", "Product", "Products"),
    "Account_Team": ("Leads_X_Users", "Lead", "Team_Member", "users"),
}
LINKING_FIELDS = {
    "Leads_X_Products": """
Lead | Lead | lookup | lk=Leads
Product | Product | lookup | lk=Products
""",
    "Leads_X_Users": """
Lead | Lead | lookup | lk=Leads
Team_Member | Team Member | userlookup | NS
""",
}
JSON_TYPES = {
    "fileupload": "jsonarray",
    "imageupload": "jsonarray",
    "multiselectlookup": "jsonarray",
    "multiuserlookup": "jsonarray",
    "userlookup": "jsonobject",
    "address": "jsonobject",
}
# The parts of a compound address, in the order a letter shows them (Zoho's getFields example
# names a part by ``address.type``, e.g. "latitude").
ADDRESS_PARTS = (
    "address_line_1",
    "address_line_2",
    "city",
    "state",
    "postal_code",
    "country",
    "latitude",
    "longitude",
)
MAX_FILE_BYTES = 20 * 1024 * 1024  # Files API: 20 MB a file
MAX_FILES = 10  # Files API: 10 files a request
IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif"}


def extend(schema_mod, org_schema, currency: str) -> None:
    """Add the fields above to the org's Leads, and the Visit Log and Qualification Checklist
    subforms and the linking modules to what ``settings/fields`` describes."""
    leads = org_schema.modules["Leads"]
    added = schema_mod._parse_fields(
        leads.module_id, LEADS_FIELDS, currency, start=len(leads.fields)
    )
    for fd in added:
        extra: dict = {"showcase": True}  # valued by seed() below, not by the generic seed
        if fd.api_name in RICH_TEXT:
            extra["rich_text"] = True
        if fd.api_name in LINKING:
            extra["linking"] = LINKING[fd.api_name]
        leads.fields[fd.api_name] = dataclasses.replace(fd, extra=extra)
    next_id = 10**6 - 2
    subforms = (
        ("Visit_Log", VISIT_LOG),
        *LINKING_FIELDS.items(),
        ("Qualification_Checklist", QUALIFICATION_CHECKLIST),
    )
    for name, text in subforms:
        module_id = f"3652397000000{next_id:06d}"
        next_id -= 2
        org_schema.subforms[name] = schema_mod.ModuleDef(
            name,
            name.replace("_", " "),
            name.replace("_", " "),
            module_id,
            generated_type=(
                "static_subform"
                if name in STATIC_SUBFORMS
                else "linking"
                if name in LINKING_FIELDS
                else "subform"
            ),
            fields={f.api_name: f for f in schema_mod._parse_fields(module_id, text, currency)},
            parent_module="Leads",
        )


def field_meta(fd, module_ids) -> dict:
    """What ``settings/fields`` adds for these types (Zoho's getFields keys)."""
    meta: dict = {"currency": {}, "address": None}
    if fd.data_type in JSON_TYPES:
        meta["json_type"] = JSON_TYPES[fd.data_type]
    if fd.data_type == "currency":
        precision = fd.decimal_place if fd.decimal_place is not None else 2
        meta["currency"] = {"rounding_option": "normal", "precision": precision}
    if fd.data_type == "textarea":
        kind = "large" if fd.length > 2000 else "small"
        kind = "rich_text" if fd.extra.get("rich_text") else kind
        meta["textarea"] = {"type": kind}
    if fd.data_type == "address":
        meta["address"] = {"type": "address"}
    linking = fd.extra.get("linking")
    if linking:
        module, lookup, connected, target = linking
        block = {
            # the keys the spec's multiselectlookup schema requires ...
            "display_label": fd.label,
            "linking_module": {"api_name": module, "id": module_ids(module)},
            "connected_module": {"api_name": target, "id": module_ids(target)},
            "lookup_apiname": lookup,
            "api_name": fd.api_name,
            "connectedfield_apiname": connected,
            "connectedlookup_apiname": connected,
            "id": str(int(fd.field_id) + 1),
            "record_access": False,
            # ... and the ones the v8 SDK reads (Fields.multiselectlookup.linking_details)
            "linking_details": {
                "module": {"api_name": module, "id": module_ids(module)},
                "lookup_field": {"api_name": lookup, "field_label": lookup, "id": None},
                "connected_lookup_field": {
                    "api_name": connected,
                    "field_label": connected,
                    "id": None,
                },
            },
            "connected_details": {
                "module": {"api_name": target, "id": module_ids(target)},
                "field": {"api_name": connected, "field_label": connected, "id": None},
                "layouts": None,
            },
            "related_list": None,
        }
        meta[fd.data_type] = block
    return meta


# --------------------------------------------------------------------------- bytes


def png(rgb: tuple[int, int, int], size: int = 48) -> bytes:
    """A PNG of ``size`` x ``size`` pixels of one colour."""
    row = b"\x00" + bytes(rgb) * size
    raw = row * size

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def pdf(title: str) -> bytes:
    """A one-page PDF that says ``title`` (enough for a viewer to open)."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")[:60]
    stream = f"BT /F1 18 Tf 40 760 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return out


def content_type(name: str) -> str:
    ext = name.rpartition(".")[2].lower()
    if ext in IMAGE_TYPES:
        return IMAGE_TYPES[ext]
    return {"pdf": "application/pdf", "txt": "text/plain"}.get(ext, "application/octet-stream")


@dataclass(frozen=True)
class StoredFile:
    zgid: str
    name: str
    data: bytes

    @property
    def content_type(self) -> str:
        return content_type(self.name)


def file_id(zgid: str, seed_text: str) -> str:
    """An encrypted-looking file id (Zoho's ``File_Id__s`` is a long hex string)."""
    return hashlib.sha256(f"{zgid}:{seed_text}".encode()).hexdigest()


def photo_id(zgid: str, record_id: str) -> str:
    """A record photo's id: 70 hex characters, as Zoho's ``Record_Image`` values are."""
    digest = hashlib.sha256(f"photo:{zgid}:{record_id}".encode()).hexdigest()
    return digest + digest[:6]


def colour(text: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(text.encode()).digest()
    return (64 + digest[0] // 2, 64 + digest[1] // 2, 64 + digest[2] // 2)


# --------------------------------------------------------------------------- demo values

DEMO_FILES: dict[str, dict[str, StoredFile]] = {}  # zgid -> file id -> file (the seed's)
PLANTED = (
    '<p>Met the <b>buyer</b> on site.</p><script>alert("x")</script>'
    '<img src="x" onerror="alert(1)"><a href="javascript:alert(2)">details</a>'
)
RICH_NOTES = (
    "<p>Discussed <b>volume pricing</b> and delivery windows.</p>"
    "<ul><li>Send the revised quote</li><li>Book a site visit</li></ul>",
    '<p>Asked for references. See <a href="https://example.com/case-study">case study</a>.</p>',
    "<p><i>Budget</i> confirmed for next quarter.</p>",
)
SHOWCASE_LEADS = 6  # the first leads of every org carry every type
# ... after the oldest ones, which the demo locks or holds for approval (seed.RECORD_STATES):
# a record page people can also change shows them all.
SHOWCASE_FROM = 3


def _file_entry(builder, fid: str, name: str, size: int, image: bool, seq: int) -> dict:
    user = builder.user()
    entry = {
        "File_Name__s": name,
        "Size__s": str(size),
        "File_Id__s": fid,
        "id": builder.ids.next(),
        "Created_Time__s": builder.time(-10),
        "Modified_Time__s": builder.time(-10),
        "Created_By__s": dict(user),
        "Modified_By__s": dict(user),
        "Owner__s": dict(user),
    }
    if image:
        entry.update(
            Preview_Id__s=fid,
            Description__s=None,
            Sequence_Number__s=seq,
            State__s="active",
        )
    return entry


def seed(builder) -> None:
    """Values of these types on the org's first leads, and photos on some records."""
    zgid = builder.org.zgid
    files = DEMO_FILES.setdefault(zgid, {})
    rng = builder.rng
    leads = list(builder.data["Leads"].values())
    products = list(builder.data["Products"].values())
    for i, rec in enumerate(leads[SHOWCASE_FROM : SHOWCASE_FROM + SHOWCASE_LEADS]):
        name = (rec.get("Company") or rec.get("Last_Name") or "lead").split()[0]
        doc_name = f"proposal-{name.lower()}-{i + 1}.pdf"
        fid = file_id(zgid, doc_name + rec["id"])
        files[fid] = StoredFile(zgid, doc_name, pdf(f"Proposal for {rec.get('Company')}"))
        photos = []
        for seq in (1, 2):
            photo_name = f"site-{i + 1}-{seq}.png"
            pid = file_id(zgid, photo_name + rec["id"])
            files[pid] = StoredFile(zgid, photo_name, png(colour(pid)))
            photos.append(_file_entry(builder, pid, photo_name, len(files[pid].data), True, seq))
        picked = rng.sample(products, 2) if len(products) >= 2 else products
        team = [builder.user() for _ in range(2)]
        if team[0]["id"] == team[1]["id"]:
            team = team[:1]
        visits = [
            {
                "id": builder.ids.next(),
                "Visit_Date": builder.date(-30 + 7 * n),
                "Visited_By": builder.user(),
                "Outcome": ("Met the buyer", "Measured the site", "Agreed next steps")[n],
                "Travel_Cost": round(rng.uniform(15, 240), 2),
            }
            for n in range(1 + i % 3)
        ]
        values = {
            "Proposal": [_file_entry(builder, fid, doc_name, len(files[fid].data), False, 1)],
            "Site_Photos": photos,
            "Interested_Products": [
                {"Product": builder.ref("Products", p), "id": builder.ids.next()} for p in picked
            ],
            "Account_Team": [{"Team_Member": u, "id": builder.ids.next()} for u in team],
            "Call_Notes": PLANTED if i == 0 else RICH_NOTES[i % len(RICH_NOTES)],
            "Sales_Engineer": builder.user(),
            "Visit_Address": {
                "address_line_1": rec.get("Street") or f"{rng.randint(1, 99)} Market Street",
                "address_line_2": f"Unit {rng.randint(1, 40)}" if i % 2 else None,
                "city": rec.get("City") or builder.city(),
                "state": rec.get("State"),
                "postal_code": rec.get("Zip_Code"),
                "country": rec.get("Country") or builder.org.country,
                "latitude": None,
                "longitude": None,
            },
            "Visit_Log": visits,
            "Deposit": float(rng.choice([500, 1250, 4000, 9999])),
        }
        builder.data["Leads"][rec["id"]] = {**rec, **values}
    # Every lead's checklist has its fixed rows (after the rest, so no other id moves).
    criteria = PICKLISTS["qualification_criterion"]
    for i, rec in enumerate(leads):
        rec = builder.data["Leads"][rec["id"]]
        rec["Qualification_Checklist"] = [
            {
                "id": builder.ids.next(),
                "Criterion": criterion,
                "Met": (i + n) % 3 != 0,
                "Evidence": EVIDENCE[criterion] if (i + n) % 3 != 0 else None,
            }
            for n, criterion in enumerate(criteria)
        ]
    for module, count in (("Leads", 4), ("Contacts", 3), ("Accounts", 3)):
        for rec in list(builder.data[module].values())[:count]:
            builder.data[module][rec["id"]] = {**rec, "Record_Image": photo_id(zgid, rec["id"])}


def demo_file(zgid: str, fid: str) -> StoredFile | None:
    return DEMO_FILES.get(zgid, {}).get(fid)


def photo_bytes(zgid: str, pid: str) -> bytes:
    return png(colour(pid), 64)
