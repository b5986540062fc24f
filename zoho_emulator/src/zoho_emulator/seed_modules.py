"""Seed data for every module beyond the first four, and the extra fields of those four.

``seed.build_core_records`` makes Leads, Contacts, Accounts and Deals exactly as they always
were (their ids and names are part of the demo directory); this module adds fields to them
from a random generator of its own (so the core draws never change) and then seeds the other
modules, activities linked to records, inventory with line items and each org's custom module.
Everything is deterministic per organisation.
"""

from __future__ import annotations

import random
from datetime import timedelta

from . import field_types, schema, seed
from .catalog import PICKLISTS

LAYOUT_IDS = {"Leads": "3652397000000091055"}

SUBJECTS_TASK = [
    "Send revised proposal",
    "Follow up on pricing",
    "Prepare onboarding checklist",
    "Confirm delivery schedule",
    "Collect signed contract",
    "Review credit application",
    "Schedule product demo",
    "Update account plan",
]
SUBJECTS_CALL = [
    "Discovery call",
    "Pricing discussion",
    "Renewal check-in",
    "Support escalation",
    "Quarterly review",
    "Intro call",
]
EVENT_TITLES = [
    "Quarterly business review",
    "Product demo",
    "Site visit",
    "Contract negotiation",
    "Kick-off meeting",
    "Trade show meeting",
]
PRODUCT_WORDS = {
    "us": ["Pallet Jack", "Barcode Scanner", "Shelving Unit", "Label Printer", "Forklift Battery"],
    "eu": ["Palettenregal", "Hubwagen", "Scannerpistole", "Etikettendrucker", "Rollcontainer"],
    "in": ["Cotton Yarn 40s", "Denim Roll", "Linen Blend", "Silk Saree Lot", "Dyed Fabric"],
    "au": ["Solar Panel 440W", "Hybrid Inverter", "Battery 10kWh", "Mounting Kit", "EV Charger"],
    "uk": ["Tea Chest", "Biscuit Case", "Catering Urn", "Crockery Set", "Cleaning Pack"],
}
CASE_SUBJECTS = [
    "Delivery arrived damaged",
    "Invoice amount incorrect",
    "Login to portal fails",
    "Missing items in order",
    "Request for installation support",
]
NOTE_TEXTS = [
    "Spoke with procurement; budget approved for Q3.",
    "Customer prefers delivery on weekdays before noon.",
    "Asked for a volume discount on repeat orders.",
    "Decision maker is the operations director.",
    "Send the updated price list next week.",
]


def _ref(rec: dict, name_field: str) -> dict:
    return {"name": rec.get(name_field), "id": rec["id"]}


class _Builder:
    def __init__(self, org: seed.Org, data: dict, ids: seed.IdAllocator):
        self.org = org
        self.data = data
        self.ids = ids
        self.schema = schema.org_schema(org.zgid, org.currency)
        self.rng = random.Random(int(org.zgid) * 31 + 7)
        self.users = seed.seed_owners(org.zgid)
        self.clock = seed.BASE_TIME - timedelta(days=200)
        self.n = org.other_count

    # ---- helpers ----------------------------------------------------------------------
    def time(self, days: float = 0) -> str:
        return seed.format_time(seed.BASE_TIME + timedelta(days=days), self.org.tz_offset)

    def date(self, days: int) -> str:
        return (seed.BASE_TIME + timedelta(days=days)).date().isoformat()

    def new(self, module: str, fields: dict) -> dict:
        """A record with the system fields the module has, stored in ``data``."""
        mod = self.schema.modules[module]
        rng = self.rng
        owner = rng.choice(self.users)
        ref = seed.user_ref(owner, self.org.zgid)
        self.clock += timedelta(hours=rng.randint(2, 30), minutes=rng.randint(0, 59))
        created = min(self.clock, seed.BASE_TIME)
        rec = {"id": self.ids.next()}
        system = {
            "Owner": dict(ref),
            "Created_By": dict(ref),
            "Modified_By": dict(ref),
            "Created_Time": seed.format_time(created, self.org.tz_offset),
            "Modified_Time": seed.format_time(
                min(created + timedelta(hours=rng.randint(0, 90)), seed.BASE_TIME),
                self.org.tz_offset,
            ),
        }
        for key, value in system.items():
            if key in mod.fields:
                rec[key] = value
        rec.update(self.defaults(module))
        rec.update(fields)
        self.data.setdefault(module, {})[rec["id"]] = rec
        return rec

    def defaults(self, module: str) -> dict:
        fields = self.schema.modules[module].fields
        out = {}
        if "Record_Status__s" in fields:
            out["Record_Status__s"] = "Available"
        if "Locked__s" in fields:
            out["Locked__s"] = False
        if "Tag" in fields:
            out["Tag"] = []
        if "Currency" in fields:
            out["Currency"] = self.org.currency
            out["Exchange_Rate"] = 1.0
        if module in LAYOUT_IDS:
            out["Layout"] = {"name": "Standard", "id": LAYOUT_IDS[module]}
        return out

    def pick(self, module: str) -> dict | None:
        records = list(self.data.get(module, {}).values())
        return self.rng.choice(records) if records else None

    def name_of(self, module: str) -> str:
        return self.schema.modules[module].name_field

    def ref(self, module: str, rec: dict | None) -> dict | None:
        return _ref(rec, self.name_of(module)) if rec else None

    def user(self) -> dict:
        return seed.user_ref(self.rng.choice(self.users), self.org.zgid)

    def phone(self) -> str:
        return seed.PHONE_PREFIX[self.org.dc] + f"{self.rng.randint(1000, 9999)}"

    def city(self) -> str:
        return self.rng.choice(seed.CITIES[self.org.dc])

    def person(self) -> tuple[str, str]:
        dc = self.org.dc
        return self.rng.choice(seed.FIRST_NAMES[dc]), self.rng.choice(seed.LAST_NAMES[dc])

    # ---- the first four: more fields --------------------------------------------------
    def enrich_core(self):
        rng = self.rng
        street = seed.STREETS[self.org.dc]
        for module in seed.CORE_MODULES:
            defaults = self.defaults(module)
            for rid, rec in list(self.data[module].items()):
                extra = dict(defaults)
                if module == "Leads":
                    extra.update(
                        Street=f"{rng.randint(1, 480)} {street}",
                        Zip_Code=f"{rng.randint(10000, 99999)}",
                        Data_Source="Manual",
                        Converted__s=False,
                        Last_Activity_Time=rec["Modified_Time"],
                        Fax=None,
                    )
                elif module == "Contacts":
                    extra.update(
                        Mailing_Street=f"{rng.randint(1, 480)} {street}",
                        Mailing_Zip=f"{rng.randint(10000, 99999)}",
                        Other_Phone=self.phone() if rng.random() < 0.5 else None,
                        Data_Source="Manual",
                        Last_Activity_Time=rec["Modified_Time"],
                    )
                elif module == "Accounts":
                    extra.update(
                        Billing_Street=f"{rng.randint(1, 480)} {street}",
                        Billing_Code=f"{rng.randint(10000, 99999)}",
                        Shipping_City=rec.get("Billing_City"),
                        Shipping_Country=rec.get("Billing_Country"),
                        Ownership=rng.choice(["Private", "Public", "Subsidiary"]),
                        Last_Activity_Time=rec["Modified_Time"],
                    )
                elif module == "Deals":
                    amount = rec.get("Amount") or 0
                    extra.update(
                        Pipeline="Standard (Standard)",
                        Expected_Revenue=round(amount * (rec.get("Probability") or 0) / 100, 2),
                        Last_Activity_Time=rec["Modified_Time"],
                    )
                # existing keys keep their values: only new fields are added
                self.data[module][rid] = {**extra, **rec}

    # ---- other modules ----------------------------------------------------------------
    def build(self):
        rng, n, dc, org = self.rng, self.n, self.org.dc, self.org
        self.enrich_core()
        accounts = list(self.data["Accounts"].values())
        contacts = list(self.data["Contacts"].values())
        deals = list(self.data["Deals"].values())
        leads = list(self.data["Leads"].values())

        vendors = []
        for i in range(max(3, n // 3)):
            company = f"{rng.choice(seed.COMPANY_WORDS[dc][0])} Supply {i + 1}"
            vendors.append(
                self.new(
                    "Vendors",
                    {
                        "Vendor_Name": company,
                        "Email": f"orders{i + 1}@vendor{i + 1}.example",
                        "Phone": self.phone(),
                        "Website": f"https://vendor{i + 1}.example",
                        "Category": rng.choice(PICKLISTS["vendor_category"][1:]),
                        "City": self.city(),
                        "Country": org.country,
                        "Email_Opt_Out": False,
                    },
                )
            )
        products = []
        for i, word in enumerate(PRODUCT_WORDS[dc] * (1 + n // 10)):
            if i >= max(5, n):
                break
            price = float(rng.choice([19, 45, 120, 260, 540, 1200, 3400]))
            products.append(
                self.new(
                    "Products",
                    {
                        "Product_Name": word if i < len(PRODUCT_WORDS[dc]) else f"{word} {i}",
                        "Product_Code": f"{org.country_code}-{1000 + i}",
                        "Product_Active": True,
                        "Product_Category": rng.choice(PICKLISTS["product_category"][1:]),
                        "Vendor_Name": self.ref("Vendors", rng.choice(vendors)),
                        "Unit_Price": price,
                        "Qty_in_Stock": float(rng.randint(0, 400)),
                        "Reorder_Level": 20.0,
                        "Usage_Unit": rng.choice(["Each", "Box", "Pack"]),
                        "Sales_Start_Date": self.date(-300),
                        "Taxable": True,
                    },
                )
            )
        for i, model in enumerate(("Flat", "Differential")):
            self.new(
                "Price_Books",
                {
                    "Price_Book_Name": f"{org.currency} {'Standard' if i == 0 else 'Volume'} "
                    f"prices",
                    "Active": True,
                    "Pricing_Model": model,
                    "Pricing_Details": []
                    if model == "Flat"
                    else [
                        {"from_range": 1.0, "to_range": 50.0, "discount": 0.0},
                        {"from_range": 51.0, "to_range": 500.0, "discount": 5.0},
                    ],
                    "Description": None,
                },
            )
        campaigns = []
        for i, kind in enumerate(("Webinar", "Trade Show", "Email")):
            campaigns.append(
                self.new(
                    "Campaigns",
                    {
                        "Campaign_Name": f"{kind} {seed.BASE_TIME.year}-{i + 1}",
                        "Type": kind,
                        "Status": rng.choice(["Planning", "Active", "Complete"]),
                        "Start_Date": self.date(-60 + 30 * i),
                        "End_Date": self.date(-30 + 30 * i),
                        "Budgeted_Cost": float(rng.choice([2000, 5000, 12000])),
                        "Expected_Revenue": float(rng.choice([20000, 45000, 90000])),
                        "Expected_Response": rng.choice([5, 10, 20]),
                    },
                )
            )
        inventory = {}
        for module, items_field, count in (
            ("Quotes", "Quoted_Items", n // 2 + 1),
            ("Sales_Orders", "Ordered_Items", n // 3 + 1),
            ("Purchase_Orders", "Purchase_Items", n // 4 + 1),
            ("Invoices", "Invoiced_Items", n // 3 + 1),
        ):
            inventory[module] = [
                self._inventory(
                    module, items_field, i, accounts, contacts, deals, vendors, products, inventory
                )
                for i in range(count)
            ]
        cases = []
        for i in range(n // 2 + 1):
            account = accounts[i % len(accounts)]
            contact = contacts[i % len(contacts)]
            cases.append(
                self.new(
                    "Cases",
                    {
                        "Case_Number": str(100 + i),
                        "Subject": rng.choice(CASE_SUBJECTS),
                        "Status": rng.choice(PICKLISTS["case_status"]),
                        "Priority": rng.choice(["High", "Medium", "Low"]),
                        "Case_Origin": rng.choice(["Email", "Phone", "Web"]),
                        "Type": rng.choice(["Question", "Problem"]),
                        "Account_Name": self.ref("Accounts", account),
                        "Related_To": self.ref("Contacts", contact),
                        "Product_Name": self.ref("Products", rng.choice(products)),
                        "Email": contact.get("Email"),
                        "Phone": contact.get("Phone"),
                        "Reported_By": contact.get("Full_Name"),
                        "No_of_comments": 0,
                        "Comments": [],
                    },
                )
            )
        for i in range(3):
            self.new(
                "Solutions",
                {
                    "Solution_Number": str(1 + i),
                    "Solution_Title": [
                        "Reset a portal password",
                        "Report a damaged delivery",
                        "Change a delivery address",
                    ][i],
                    "Status": "Reviewed",
                    "Published": True,
                    "Product_Name": self.ref("Products", products[i % len(products)]),
                    "Question": "How do I do this?",
                    "Answer": "Open the customer portal and follow the steps under Help.",
                    "No_of_comments": 0,
                    "Comments": [],
                },
            )
        # activities: Tasks, Events (Meetings), Calls, linked through What_Id / Who_Id
        targets = [
            ("Accounts", accounts),
            ("Deals", deals),
            ("Leads", leads),
            ("Cases", cases),
            ("Quotes", inventory["Quotes"]),
        ]
        for i in range(n + 4):
            what_module, pool = targets[i % len(targets)]
            what = pool[i % len(pool)]
            who = None if what_module == "Leads" else contacts[i % len(contacts)]
            status = rng.choice(PICKLISTS["task_status"])
            self.new(
                "Tasks",
                {
                    "Subject": rng.choice(SUBJECTS_TASK),
                    "Due_Date": self.date(rng.randint(-20, 40)),
                    "Status": status,
                    "Priority": rng.choice(PICKLISTS["priority"]),
                    "What_Id": self.ref(what_module, what),
                    "$se_module": what_module,
                    "Who_Id": self.ref("Contacts", who),
                    "Send_Notification_Email": False,
                    "Closed_Time": self.time(-rng.randint(1, 20))
                    if status == "Completed"
                    else None,
                },
            )
        for i in range(n // 2 + 2):
            what_module, pool = targets[i % 2]
            what = pool[i % len(pool)]
            who = contacts[(i + 3) % len(contacts)]
            start = rng.randint(-30, 30) + rng.choice([0.375, 0.4583, 0.5833])
            self.new(
                "Events",
                {
                    "Event_Title": rng.choice(EVENT_TITLES),
                    "Start_DateTime": self.time(start),
                    "End_DateTime": self.time(start + 1 / 24),
                    "All_day": False,
                    "Venue": self.city(),
                    "What_Id": self.ref(what_module, what),
                    "$se_module": what_module,
                    "Who_Id": self.ref("Contacts", who),
                    "Participants": [
                        {
                            "name": who.get("Full_Name"),
                            "Email": who.get("Email"),
                            "invited": True,
                            "type": "contact",
                            "participant": who["id"],
                            "status": "not_known",
                        }
                    ],
                },
            )
        for i in range(n):
            what_module, pool = targets[i % 3]
            what = pool[(i * 2) % len(pool)]
            who = None if what_module == "Leads" else contacts[(i + 1) % len(contacts)]
            seconds = rng.randint(60, 1800)
            self.new(
                "Calls",
                {
                    "Subject": rng.choice(SUBJECTS_CALL),
                    "Call_Type": rng.choice(["Outbound", "Inbound"]),
                    "Call_Start_Time": self.time(-rng.randint(1, 60)),
                    "Call_Duration": f"{seconds // 60:02d}:{seconds % 60:02d}",
                    "Call_Duration_in_seconds": seconds,
                    "Call_Purpose": rng.choice(PICKLISTS["call_purpose"][1:]),
                    "Call_Result": rng.choice(PICKLISTS["call_result"][1:]),
                    "Outgoing_Call_Status": "Completed",
                    "What_Id": self.ref(what_module, what),
                    "$se_module": what_module,
                    "Who_Id": self.ref("Contacts", who),
                    "CTI_Entry": False,
                },
            )
        for i in range(n):
            parent_module, pool = [
                ("Accounts", accounts),
                ("Deals", deals),
                ("Contacts", contacts),
                ("Leads", leads),
            ][i % 4]
            parent = pool[i % len(pool)]
            self.new(
                "Notes",
                {
                    "Note_Title": "Call summary" if i % 2 else "Meeting notes",
                    "Note_Content": rng.choice(NOTE_TEXTS),
                    "Parent_Id": self.ref(parent_module, parent),
                    "$se_module": parent_module,
                },
            )
        for i in range(2):
            account = accounts[i]
            self.new(
                "Attachments",
                {
                    "File_Name": ["price-list.pdf", "signed-contract.pdf"][i],
                    "Size": str(rng.randint(20000, 900000)),
                    "Parent_Id": self.ref("Accounts", account),
                    "$se_module": "Accounts",
                },
            )
        for contact in contacts[:2]:
            self.new(
                "Consents",
                {
                    "Email": contact.get("Email"),
                    "Consent_Through": "Email",
                    "Consent_Date": self.date(-100),
                    "Contact_Through_Email": True,
                    "Contact_Through_Phone": False,
                    "Contact_Through_Survey": False,
                    "Data_Processing_Basis": "Obtained",
                },
            )
        self.new(
            "Data_Subject_Requests",
            {
                "Parent_Id": self.ref("Contacts", contacts[-1]),
                "$se_module": "Contacts",
                "Request_Type": "Export",
                "Request_Source": "Web Form",
                "Requested_By": self.user(),
                "Requested_Date": self.time(-12),
                "Is_Closed": False,
            },
        )
        services = []
        for i, (name, minutes) in enumerate(
            (("Site survey", 60), ("Installation", 240), ("Annual maintenance", 90))
        ):
            services.append(
                self.new(
                    "Services__s",
                    {
                        "Service_Name": name,
                        "Status": "Active",
                        "Duration": minutes,
                        "Price": float([150, 900, 220][i]),
                        "Availability_Type": "Business Hours",
                        "Location": self.city(),
                        "Job_Sheet_Required": i == 1,
                    },
                )
            )
        for i in range(3):
            contact = contacts[i % len(contacts)]
            service = services[i % len(services)]
            start = rng.randint(1, 30) + 0.4166
            self.new(
                "Appointments__s",
                {
                    "Appointment_Name": f"{service['Service_Name']} - {contact.get('Full_Name')}",
                    "Appointment_For": self.ref("Contacts", contact),
                    "$se_module": "Contacts",
                    "Service_Name": self.ref("Services__s", service),
                    "Appointment_Start_Time": self.time(start),
                    "Appointment_End_Time": self.time(start + service["Duration"] / 1440),
                    "Duration": service["Duration"],
                    "Status": "Upcoming",
                    "Location": self.city(),
                },
            )
        self._custom_modules(accounts, deals)
        self._custom_fields()
        field_types.seed(self)

    def _inventory(
        self, module, items_field, i, accounts, contacts, deals, vendors, products, inventory
    ):
        rng = self.rng
        account = accounts[i % len(accounts)]
        items = []
        sub_total = 0.0
        for seq in range(1, rng.randint(1, 3) + 1):
            product = rng.choice(products)
            qty = float(rng.randint(1, 20))
            price = product["Unit_Price"]
            total = round(qty * price, 2)
            sub_total += total
            items.append(
                {
                    "id": self.ids.next(),
                    "Product_Name": {
                        "name": product["Product_Name"],
                        "id": product["id"],
                        "Product_Code": product["Product_Code"],
                    },
                    "Quantity": qty,
                    "List_Price": price,
                    "Discount": 0.0,
                    "Total": total,
                    "Net_Total": total,
                    "Tax": 0.0,
                    "Description": None,
                    "Sequence_Number": seq,
                }
            )
        sub_total = round(sub_total, 2)
        fields = {
            "Subject": f"{account['Account_Name']} - {module.replace('_', ' ').rstrip('s')} "
            f"{i + 1}",
            items_field: items,
            "$line_tax": [],
            "Sub_Total": sub_total,
            "Discount": 0.0,
            "Tax": 0.0,
            "Adjustment": 0.0,
            "Grand_Total": sub_total,
            "Contact_Name": self.ref("Contacts", contacts[i % len(contacts)]),
            "Billing_City": account.get("Billing_City"),
            "Billing_Country": account.get("Billing_Country"),
        }
        number = str(1000 + i)
        if module == "Quotes":
            fields.update(
                Quote_Number=number,
                Quote_Stage=rng.choice(PICKLISTS["quote_stage"]),
                Valid_Till=self.date(rng.randint(10, 60)),
                Account_Name=self.ref("Accounts", account),
                Deal_Name=self.ref("Deals", deals[i % len(deals)]),
                Carrier=rng.choice(PICKLISTS["carrier"]),
            )
        elif module == "Sales_Orders":
            quote = inventory["Quotes"][i % len(inventory["Quotes"])]
            fields.update(
                SO_Number=number,
                Status=rng.choice(PICKLISTS["so_status"]),
                Account_Name=self.ref("Accounts", account),
                Quote_Name=self.ref("Quotes", quote),
                Due_Date=self.date(rng.randint(5, 40)),
            )
        elif module == "Purchase_Orders":
            fields.update(
                PO_Number=number,
                Status=rng.choice(PICKLISTS["po_status"]),
                Vendor_Name=self.ref("Vendors", vendors[i % len(vendors)]),
                PO_Date=self.date(-rng.randint(1, 40)),
            )
        else:
            order = inventory["Sales_Orders"][i % len(inventory["Sales_Orders"])]
            fields.update(
                Invoice_Number=number,
                Status=rng.choice(PICKLISTS["invoice_status"]),
                Account_Name=self.ref("Accounts", account),
                Sales_Order=self.ref("Sales_Orders", order),
                Invoice_Date=self.date(-rng.randint(1, 60)),
                Due_Date=self.date(rng.randint(1, 30)),
            )
        return self.new(module, fields)

    def _custom_modules(self, accounts, deals):
        rng = self.rng
        for mod in self.schema.record_modules():
            if mod.generated_type != "custom":
                continue
            for i in range(self.n // 2 + 2):
                account = accounts[i % len(accounts)]
                values = {"Name": f"{mod.singular} {self.org.id_prefix[-3:]}-{i + 1:03d}"}
                for fd in mod.fields.values():
                    if not fd.custom or fd.api_name in values:
                        continue
                    values[fd.api_name] = self._value(fd, i, account, deals)
                self.new(mod.api_name, values)
        del rng

    def _custom_fields(self):
        """Values for the org's custom fields on the standard modules."""
        for module, mod in self.schema.modules.items():
            if mod.generated_type == "custom" or not mod.api_supported:
                continue
            custom = [
                fd
                for fd in mod.fields.values()
                if fd.custom and not fd.read_only and not fd.extra.get("showcase")
            ]
            if not custom:
                continue
            for i, (rid, rec) in enumerate(list(self.data.get(module, {}).items())):
                extra = {fd.api_name: self._value(fd, i, None, None) for fd in custom}
                self.data[module][rid] = {**rec, **extra}

    def _value(self, fd: schema.FieldDef, i: int, account, deals):
        rng = self.rng
        t = fd.data_type
        if t == "lookup" and fd.lookup_module == "Accounts" and account is not None:
            return self.ref("Accounts", account)
        if t == "lookup" and fd.lookup_module == "Deals" and deals:
            return self.ref("Deals", deals[i % len(deals)])
        if t == "picklist":
            return rng.choice(fd.picklist)
        if t == "multiselectpicklist":
            return sorted(set(rng.sample(fd.picklist, 2)), key=fd.picklist.index)
        if t == "boolean":
            return rng.random() < 0.5
        if t == "date":
            return self.date(rng.randint(-120, 60))
        if t == "integer":
            return rng.randint(1, 10 ** min(fd.length, 3) - 1)
        if t in ("double", "currency", "percent"):
            return round(rng.uniform(1, 100 if t == "percent" else 5000), 2)
        if t == "textarea":
            return "Recorded by the operations team."
        if t == "text":
            if fd.unique:
                return f"{fd.api_name[:3].upper()}{self.org.id_prefix[-4:]}{i:05d}"[: fd.length]
            return rng.choice(["Standard", "Priority", "Express", "Net 30", "FOB", "DAP"])[
                : fd.length
            ]
        return None


def build_org_records(org: seed.Org) -> tuple[dict[str, dict[str, dict]], seed.IdAllocator]:
    """Every record module of the org: ``{module: {id: record}}`` and the id allocator."""
    data, ids = seed.build_core_records(org)
    builder = _Builder(org, data, ids)
    builder.build()
    seed.mark_record_states(data)
    for mod in builder.schema.record_modules():
        data.setdefault(mod.api_name, {})
    return data, ids
