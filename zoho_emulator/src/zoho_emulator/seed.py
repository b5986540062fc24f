"""Deterministic demo directory: users, organisations and their CRM records.

Everything here is generated from fixed seeds, so every ``reset()`` (and every run) yields the
same ids, names and timestamps. ``build_seed()`` returns fresh mutable structures each call.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from .catalog import PICKLISTS
from .field_rules import restricted_fields
from .urls import DCS  # noqa: F401 - re-exported: the data centers live in urls.py


@dataclass
class Org:
    zgid: str
    org_id: str
    name: str
    dc: str
    domain: str  # e-mail / web domain used for generated data
    id_prefix: str  # 7 digits: all record and user ids of the org start with it
    tz_name: str
    tz_offset: str  # "+05:30"
    country: str
    country_code: str
    currency: str
    currency_symbol: str
    city: str
    lead_count: int
    other_count: int
    currency_locale: str = "en_US"  # how the org writes its amounts (GET org)


@dataclass(frozen=True)
class Profile:
    """What a CRM profile may do: ``denied`` modules answer every call with 403
    NO_PERMISSION; ``read_only`` modules may be read but not created, edited or deleted."""

    name: str
    denied: tuple[str, ...] = ()
    read_only: tuple[str, ...] = ()


PROFILES: dict[str, Profile] = {
    "Administrator": Profile("Administrator"),
    "Standard": Profile("Standard"),
    "Field Sales (restricted)": Profile(
        "Field Sales (restricted)",
        denied=(
            "Quotes",
            "Sales_Orders",
            "Purchase_Orders",
            "Invoices",
            "Campaigns",
            "Vendors",
            "Price_Books",
            "Shipments",
        ),
        read_only=("Accounts", "Products", "Deals", "Cases", "Solutions"),
    ),
    "Warehouse (restricted)": Profile(
        "Warehouse (restricted)",
        denied=("Leads", "Deals", "Campaigns", "Quotes", "Invoices", "Sales_Orders"),
        read_only=("Accounts", "Contacts", "Products", "Vendors"),
    ),
}


@dataclass
class User:
    email: str
    first_name: str
    last_name: str
    dc: str
    zuid: str
    orgs: list[str]  # zgids, first one is the default
    role: str = "CEO"
    profile: str = "Administrator"
    crm_ids: dict[str, str] = field(default_factory=dict)  # zgid -> CRM user id in that org
    seeds: bool = True  # owns seed records (see seed_owners)
    # The user's own settings at Zoho (Personal Settings > Locale); None: the org's.
    time_zone: str | None = None
    locale: str = "en_US"
    date_format: str = "MM/dd/yyyy"
    time_format: str = "hh:mm a"
    decimal_separator: str = "Period"
    number_separator: str = "Comma"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


ORGS: list[Org] = [
    Org(
        "720019234",
        "4150868000000214001",
        "Zylker Traders Inc.",
        "us",
        "zylker-traders.com",
        "4150868",
        "America/New_York",
        "-05:00",
        "United States",
        "US",
        "USD",
        "$",
        "Austin",
        45,
        12,
    ),
    Org(
        "720019877",
        "4150877000000214001",
        "Zylker Labs LLC",
        "us",
        "zylkerlabs.io",
        "4150877",
        "America/Los_Angeles",
        "-08:00",
        "United States",
        "US",
        "USD",
        "$",
        "Seattle",
        9,
        5,
    ),
    Org(
        "20071245781",
        "5802114000000193001",
        "Nordwind Logistik GmbH",
        "eu",
        "nordwind-logistik.de",
        "5802114",
        "Europe/Berlin",
        "+01:00",
        "Germany",
        "DE",
        "EUR",
        "€",
        "Hamburg",
        14,
        7,
        currency_locale="de_DE",
    ),
    Org(
        "60012873459",
        "2873459000000128001",
        "Kaveri Textiles Pvt Ltd",
        "in",
        "kaveritextiles.in",
        "2873459",
        "Asia/Kolkata",
        "+05:30",
        "India",
        "IN",
        "INR",
        "₹",
        "Coimbatore",
        12,
        6,
        currency_locale="en_IN",
    ),
    Org(
        "7001938172",
        "6619382000000117001",
        "Banksia Solar Pty Ltd",
        "au",
        "banksiasolar.com.au",
        "6619382",
        "Australia/Sydney",
        "+10:00",
        "Australia",
        "AU",
        "AUD",
        "A$",
        "Brisbane",
        10,
        5,
        currency_locale="en_AU",
    ),
    Org(
        "90051762213",
        "8830517000000102001",
        "Thamesgate Wholesale Ltd",
        "uk",
        "thamesgate-wholesale.co.uk",
        "8830517",
        "Europe/London",
        "+00:00",
        "United Kingdom",
        "GB",
        "GBP",
        "£",
        "London",
        2600,  # the big org: past the 2,000 records page/per_page can reach
        8,
        currency_locale="en_GB",
    ),
]

USERS: list[User] = [
    User(
        "patricia.boyle@zylker-traders.com",
        "Patricia",
        "Boyle",
        "us",
        "60002381541",
        ["720019234", "720019877"],
    ),
    User(
        "marcus.webb@zylker-traders.com",
        "Marcus",
        "Webb",
        "us",
        "60002381977",
        ["720019234"],
        role="Manager",
        profile="Standard",
        time_zone="America/Chicago",
        date_format="MMM d, yyyy",
    ),
    User(
        "sofia.lindqvist@nordwind-logistik.de",
        "Sofia",
        "Lindqvist",
        "eu",
        "20071389002",
        ["20071245781"],
        locale="de_DE",
        date_format="dd.MM.yyyy",
        time_format="HH:mm",
        decimal_separator="Comma",
        number_separator="Period",
    ),
    User(
        "arjun.mehta@kaveritextiles.in",
        "Arjun",
        "Mehta",
        "in",
        "60012911274",
        ["60012873459"],
        locale="en_IN",
        date_format="dd/MM/yyyy",
    ),
    User(
        "olivia.chen@banksiasolar.com.au",
        "Olivia",
        "Chen",
        "au",
        "7001946610",
        ["7001938172"],
        locale="en_AU",
        date_format="dd/MM/yyyy",
    ),
    # Added after the first five: new users go at the end so existing ids stay stable.
    User(
        "harriet.ashworth@thamesgate-wholesale.co.uk",
        "Harriet",
        "Ashworth",
        "uk",
        "90051844107",
        ["90051762213"],
        locale="en_GB",
        date_format="dd/MM/yyyy",
        time_format="HH:mm",
    ),
    User(
        "tom.okonkwo@thamesgate-wholesale.co.uk",
        "Tom",
        "Okonkwo",
        "uk",
        "90051844562",
        ["90051762213"],
        role="Manager",
        profile="Standard",
        locale="en_GB",
        date_format="dd/MM/yyyy",
        time_format="HH:mm",
    ),
    # Restricted profiles (added last; they own no seed records).
    User(
        "dana.ortiz@zylker-traders.com",
        "Dana",
        "Ortiz",
        "us",
        "60002382410",
        ["720019234"],
        role="Sales Representative",
        profile="Field Sales (restricted)",
        seeds=False,
        time_zone="America/Los_Angeles",
    ),
    User(
        "jonas.becker@nordwind-logistik.de",
        "Jonas",
        "Becker",
        "eu",
        "20071389517",
        ["20071245781"],
        role="Lagerleitung",
        profile="Warehouse (restricted)",
        seeds=False,
        locale="de_DE",
        date_format="dd.MM.yyyy",
        time_format="HH:mm",
        decimal_separator="Comma",
        number_separator="Space",
    ),
    # A second Administrator at Zylker Traders (Patricia's org and profile): the portal
    # shares an org's metadata per profile, so her first pages fetch none of it again.
    User(
        "elena.vasquez@zylker-traders.com",
        "Elena",
        "Vasquez",
        "us",
        "60002382866",
        ["720019234"],
        role="Manager",
        profile="Administrator",
        seeds=False,
    ),
]

FIRST_NAMES = {
    "us": [
        "James",
        "Mary",
        "Robert",
        "Linda",
        "Michael",
        "Susan",
        "David",
        "Karen",
        "Daniel",
        "Nancy",
        "Kevin",
        "Laura",
        "Brian",
        "Emily",
        "Jason",
        "Megan",
        "Eric",
        "Rachel",
        "Ryan",
        "Heather",
    ],
    "eu": [
        "Lukas",
        "Anna",
        "Jonas",
        "Lea",
        "Felix",
        "Marie",
        "Paul",
        "Sophie",
        "Elias",
        "Hannah",
        "Matteo",
        "Chiara",
        "Luca",
        "Giulia",
        "Hugo",
        "Camille",
        "Noah",
        "Emma",
    ],
    "in": [
        "Aarav",
        "Priya",
        "Vihaan",
        "Ananya",
        "Rohan",
        "Kavya",
        "Aditya",
        "Meera",
        "Karthik",
        "Divya",
        "Siddharth",
        "Lakshmi",
        "Rahul",
        "Sneha",
        "Vikram",
        "Pooja",
    ],
    "uk": [
        "Oliver",
        "Amelia",
        "George",
        "Isla",
        "Harry",
        "Ava",
        "Jack",
        "Olivia",
        "Alfie",
        "Emily",
        "Freddie",
        "Poppy",
        "Arthur",
        "Sophie",
        "Rhys",
        "Niamh",
        "Callum",
        "Eilidh",
    ],
    "au": [
        "Jack",
        "Charlotte",
        "Oliver",
        "Amelia",
        "William",
        "Isla",
        "Thomas",
        "Mia",
        "Lachlan",
        "Grace",
        "Cooper",
        "Ruby",
        "Harrison",
        "Chloe",
    ],
}
LAST_NAMES = {
    "us": [
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Jones",
        "Garcia",
        "Miller",
        "Davis",
        "Rodriguez",
        "Martinez",
        "Hernandez",
        "Lopez",
        "Wilson",
        "Anderson",
        "Thomas",
        "Taylor",
        "Moore",
        "Jackson",
        "Martin",
        "Lee",
        "Thompson",
        "White",
        "Harris",
        "Clark",
    ],
    "eu": [
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Becker",
        "Wagner",
        "Hoffmann",
        "Rossi",
        "Bianchi",
        "Dubois",
        "Laurent",
        "de Vries",
        "Jansen",
        "Nielsen",
        "Novak",
    ],
    "in": [
        "Sharma",
        "Iyer",
        "Reddy",
        "Nair",
        "Patel",
        "Gupta",
        "Krishnan",
        "Menon",
        "Rao",
        "Singh",
        "Subramanian",
        "Chopra",
        "Das",
        "Pillai",
    ],
    "uk": [
        "Smith",
        "Jones",
        "Taylor",
        "Brown",
        "Williams",
        "Wilson",
        "Evans",
        "Thomas",
        "Roberts",
        "Walker",
        "Wright",
        "Hughes",
        "Patel",
        "Khan",
        "Davies",
        "MacDonald",
        "Campbell",
        "O'Neill",
        "Hall",
        "Clarke",
    ],
    "au": [
        "Wilson",
        "Taylor",
        "Nguyen",
        "Walker",
        "Kelly",
        "Ryan",
        "Campbell",
        "O'Brien",
        "Murphy",
        "Mitchell",
        "Thompson",
        "Robinson",
    ],
}
COMPANY_WORDS = {
    "us": (
        [
            "Acme",
            "Bluegrass",
            "Cedar",
            "Summit",
            "Ironwood",
            "Harbor",
            "Pinnacle",
            "Redwood",
            "Keystone",
            "Lakeside",
            "Granite",
            "Prairie",
            "Silverline",
            "Beacon",
        ],
        [
            "Analytics",
            "Manufacturing",
            "Logistics",
            "Health",
            "Foods",
            "Robotics",
            "Software",
            "Energy",
            "Capital",
            "Outfitters",
        ],
        ["Inc.", "LLC", "Corp.", "Co."],
    ),
    "eu": (
        ["Alpen", "Rhein", "Nord", "Baltic", "Adria", "Elbe", "Danube", "Iberia", "Lumen", "Vento"],
        [
            "Spedition",
            "Maschinenbau",
            "Handel",
            "Pharma",
            "Technik",
            "Logistik",
            "Energie",
            "Design",
        ],
        ["GmbH", "AG", "S.r.l.", "B.V.", "SAS"],
    ),
    "in": (
        [
            "Ganga",
            "Deccan",
            "Sahyadri",
            "Kaveri",
            "Malabar",
            "Indus",
            "Vindhya",
            "Narmada",
            "Nilgiri",
        ],
        ["Infotech", "Exports", "Textiles", "Agro", "Pharma", "Motors", "Steel", "Foods"],
        ["Pvt Ltd", "Ltd", "LLP"],
    ),
    "uk": (
        [
            "Albion",
            "Pennine",
            "Cotswold",
            "Mersey",
            "Severn",
            "Highland",
            "Kingsway",
            "Wessex",
            "Thistle",
            "Brunel",
            "Chiltern",
            "Clyde",
        ],
        ["Foods", "Traders", "Supplies", "Hardware", "Distribution", "Brewing", "Textiles"],
        ["Ltd", "plc", "LLP"],
    ),
    "au": (
        [
            "Wattle",
            "Coral",
            "Outback",
            "Eucalypt",
            "Southern Cross",
            "Harbourside",
            "Kookaburra",
            "Jacaranda",
        ],
        ["Mining", "Solar", "Wines", "Freight", "Surf Co", "Agritech", "Building"],
        ["Pty Ltd", "Ltd"],
    ),
}
STREETS = {
    "us": "Main St",
    "eu": "Hafenstraße",
    "in": "MG Road",
    "au": "George St",
    "uk": "High Street",
}
CITIES = {
    "us": ["Austin", "Denver", "Chicago", "Boston", "Seattle", "Atlanta", "Phoenix", "Portland"],
    "eu": ["Hamburg", "Munich", "Milan", "Lyon", "Rotterdam", "Vienna", "Copenhagen", "Prague"],
    "in": ["Coimbatore", "Chennai", "Bengaluru", "Pune", "Hyderabad", "Kochi", "Ahmedabad"],
    "au": ["Brisbane", "Sydney", "Melbourne", "Perth", "Adelaide", "Hobart"],
    "uk": ["London", "Manchester", "Birmingham", "Leeds", "Bristol", "Glasgow", "Cardiff"],
}
PHONE_PREFIX = {
    "us": "+1 512 555 ",
    "eu": "+49 40 5550 ",
    "in": "+91 422 555 ",
    "au": "+61 7 5550 ",
    "uk": "+44 20 7946 ",
}
DEAL_WORDS = [
    "Renewal",
    "Expansion",
    "Pilot",
    "Rollout",
    "Upgrade",
    "Annual licence",
    "Support plan",
    "Fleet order",
    "Retrofit",
    "Integration",
]

BASE_TIME = datetime(2025, 3, 3, 9, 30, 0, tzinfo=UTC)


def parse_offset(offset: str) -> timezone:
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = offset[1:].split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def format_time(moment: datetime, offset: str) -> str:
    return moment.astimezone(parse_offset(offset)).replace(microsecond=0).isoformat()


class IdAllocator:
    """Zoho-style 19-digit ids: 7-digit org prefix + '000000' + 6-digit counter."""

    def __init__(self, prefix: str, start: int = 300001):
        self.prefix = prefix
        self.counter = start

    def next(self) -> str:
        self.counter += 2
        return f"{self.prefix}000000{self.counter:06d}"


def org_by_zgid() -> dict[str, Org]:
    return {o.zgid: o for o in ORGS}


def _assign_user_ids():
    for u_index, user in enumerate(USERS):
        for zgid in user.orgs:
            org = org_by_zgid()[zgid]
            user.crm_ids[zgid] = f"{org.id_prefix}000000{(186017 + u_index * 1000):06d}"


_assign_user_ids()


def org_users(zgid: str) -> list[User]:
    return [u for u in USERS if zgid in u.orgs]


def user_ref(user: User, zgid: str) -> dict:
    return {"name": user.full_name, "id": user.crm_ids[zgid], "email": user.email}


def _company(rng: random.Random, dc: str, used: set) -> str:
    a, b, c = COMPANY_WORDS[dc]
    # Once every combination is taken (only the big org gets there), go straight to the
    # numbered fallback; before that the draws are what they always were.
    tries = 200 if len(used) < len(a) * len(b) * len(c) else 0
    for _ in range(tries):
        name = f"{rng.choice(a)} {rng.choice(b)} {rng.choice(c)}"
        if name.lower() not in used:
            used.add(name.lower())
            return name
    name = f"{rng.choice(a)} {rng.choice(b)} {len(used)} {rng.choice(c)}"
    used.add(name.lower())
    return name


def _person(rng: random.Random, dc: str, used_emails: set, domain_hint: str):
    first = rng.choice(FIRST_NAMES[dc])
    last = rng.choice(LAST_NAMES[dc])
    local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
    local = local.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae")
    email = f"{local}@{domain_hint}"
    n = 2
    while email in used_emails:
        email = f"{local}{n}@{domain_hint}"
        n += 1
    used_emails.add(email)
    return first, last, email


def _domain_of(company: str) -> str:
    word = "".join(ch for ch in company.split()[0].lower() if ch.isalnum()) or "example"
    second = (
        "".join(ch for ch in company.split()[1].lower() if ch.isalnum())
        if len(company.split()) > 1
        else ""
    )
    return f"{word}{second}.example"


CORE_MODULES = ("Leads", "Contacts", "Accounts", "Deals")
STAGE_PROBABILITY = {
    "Qualification": 10,
    "Needs Analysis": 20,
    "Value Proposition": 40,
    "Identify Decision Makers": 60,
    "Proposal/Price Quote": 75,
    "Negotiation/Review": 90,
    "Closed Won": 100,
    "Closed Lost": 0,
    "Closed-Lost to Competition": 0,
}


def seed_owners(zgid: str) -> list[User]:
    """The users seed records are owned by: the org's first users only, so adding demo users
    later never changes an existing record (the random draws stay the same)."""
    return [u for u in org_users(zgid) if u.seeds]


def build_core_records(org: Org) -> tuple[dict[str, dict[str, dict]], IdAllocator]:
    """Leads, Contacts, Accounts and Deals as they always were: ``{module: {id: record}}``
    (insertion-ordered by creation) and the id allocator. Do not change the random draws
    here: portal tests rely on these ids and names."""
    rng = random.Random(int(org.zgid))
    ids = IdAllocator(org.id_prefix)
    users = seed_owners(org.zgid)
    data: dict[str, dict[str, dict]] = {m: {} for m in CORE_MODULES}
    dc = org.dc
    used_companies: set = set()
    used_emails: set = set()
    clock = BASE_TIME - timedelta(days=240)

    def stamp(rec: dict, owner: User):
        nonlocal clock
        clock += timedelta(hours=rng.randint(3, 70), minutes=rng.randint(0, 59))
        created = format_time(clock, org.tz_offset)
        modified_at = clock + timedelta(hours=rng.randint(0, 200))
        modified = format_time(min(modified_at, BASE_TIME), org.tz_offset)
        ref = user_ref(owner, org.zgid)
        rec["Owner"] = dict(ref)
        rec["Created_By"] = {"name": ref["name"], "id": ref["id"], "email": ref["email"]}
        rec["Modified_By"] = {"name": ref["name"], "id": ref["id"], "email": ref["email"]}
        rec["Created_Time"] = created
        rec["Modified_Time"] = modified
        return rec

    # Accounts
    accounts = []
    for _ in range(org.other_count):
        owner = rng.choice(users)
        name = _company(rng, dc, used_companies)
        rec = {
            "id": ids.next(),
            "Account_Name": name,
            "Account_Number": str(rng.randint(10000000, 99999999)),
            "Account_Type": rng.choice(["Customer", "Prospect", "Partner", "Reseller", "Vendor"]),
            "Industry": rng.choice(PICKLISTS["industry"][1:]),
            "Website": f"https://www.{_domain_of(name)}",
            "Phone": PHONE_PREFIX[dc] + f"{rng.randint(1000, 9999)}",
            "Employees": rng.choice([12, 25, 48, 120, 260, 540, 1200, 3400]),
            "Annual_Revenue": float(
                rng.choice([250000, 480000, 1200000, 3500000, 9800000, 24000000])
            ),
            "Rating": rng.choice(PICKLISTS["rating"][1:]),
            "Billing_City": rng.choice(CITIES[dc]),
            "Billing_Country": org.country,
            "Description": None,
        }
        stamp(rec, owner)
        data["Accounts"][rec["id"]] = rec
        accounts.append(rec)

    # Contacts (each linked to an account)
    contacts = []
    for i in range(org.other_count + 2):
        owner = rng.choice(users)
        account = accounts[i % len(accounts)]
        first, last, email = _person(rng, dc, used_emails, _domain_of(account["Account_Name"]))
        rec = {
            "id": ids.next(),
            "Salutation": rng.choice(["Mr.", "Ms.", "Mrs.", "Dr."]),
            "First_Name": first,
            "Last_Name": last,
            "Full_Name": f"{first} {last}",
            "Account_Name": {"name": account["Account_Name"], "id": account["id"]},
            "Email": email,
            "Phone": PHONE_PREFIX[dc] + f"{rng.randint(1000, 9999)}",
            "Mobile": None,
            "Title": rng.choice(
                [
                    "CEO",
                    "CFO",
                    "Head of Operations",
                    "Procurement Manager",
                    "IT Director",
                    "Sales Director",
                    "Office Manager",
                ]
            ),
            "Department": rng.choice(["Management", "Finance", "Operations", "IT", "Sales"]),
            "Date_of_Birth": None,
            "Lead_Source": rng.choice(PICKLISTS["lead_source"][1:]),
            "Email_Opt_Out": rng.random() < 0.1,
            "Mailing_City": rng.choice(CITIES[dc]),
            "Mailing_Country": org.country,
            "Description": None,
        }
        stamp(rec, owner)
        data["Contacts"][rec["id"]] = rec
        contacts.append(rec)

    # Leads
    for _ in range(org.lead_count):
        owner = rng.choice(users)
        company = _company(rng, dc, used_companies)
        first, last, email = _person(rng, dc, used_emails, _domain_of(company))
        rec = {
            "id": ids.next(),
            "Salutation": rng.choice(["Mr.", "Ms.", "Mrs.", "Dr.", "-None-"]),
            "First_Name": first,
            "Last_Name": last,
            "Full_Name": f"{first} {last}",
            "Company": company,
            "Designation": rng.choice(
                [
                    "Owner",
                    "Purchasing Agent",
                    "VP Sales",
                    "Operations Lead",
                    "Marketing Manager",
                    "Founder",
                    "IT Manager",
                ]
            ),
            "Email": email,
            "Phone": PHONE_PREFIX[dc] + f"{rng.randint(1000, 9999)}",
            "Mobile": None,
            "Website": f"https://{_domain_of(company)}",
            "Lead_Source": rng.choice(PICKLISTS["lead_source"][1:]),
            "Lead_Status": rng.choice(PICKLISTS["lead_status"][1:]),
            "Industry": rng.choice(PICKLISTS["industry"][1:]),
            "No_of_Employees": rng.choice([5, 14, 30, 75, 150, 400, 900]),
            "Annual_Revenue": float(rng.choice([90000, 150000, 420000, 1100000, 2600000])),
            "Rating": rng.choice(PICKLISTS["rating"][1:]),
            "Email_Opt_Out": rng.random() < 0.15,
            "City": rng.choice(CITIES[dc]),
            "State": None,
            "Country": org.country,
            "Description": None,
        }
        # every fourth lead came in through partners, in the "Partner Leads" layout
        partner = len(data["Leads"]) % 4 == 3
        rec["Layout"] = (
            {"name": "Partner Leads", "id": "3652397000000091077"}
            if partner
            else {"name": "Standard", "id": "3652397000000091055"}
        )
        stamp(rec, owner)
        data["Leads"][rec["id"]] = rec

    # Deals
    for i in range(org.other_count + 3):
        owner = rng.choice(users)
        account = accounts[i % len(accounts)]
        contact = contacts[i % len(contacts)]
        stage = rng.choice(PICKLISTS["stage"])
        closing = (BASE_TIME + timedelta(days=rng.randint(-90, 150))).date().isoformat()
        rec = {
            "id": ids.next(),
            "Deal_Name": f"{account['Account_Name'].split()[0]} {rng.choice(DEAL_WORDS)}",
            "Stage": stage,
            "Amount": float(rng.choice([4800, 12500, 27000, 45000, 88000, 150000, 320000])),
            "Closing_Date": closing,
            "Probability": STAGE_PROBABILITY[stage],
            "Type": rng.choice(["New Business", "Existing Business"]),
            "Account_Name": {"name": account["Account_Name"], "id": account["id"]},
            "Contact_Name": {"name": contact["Full_Name"], "id": contact["id"]},
            "Lead_Source": rng.choice(PICKLISTS["lead_source"][1:]),
            "Next_Step": rng.choice(
                ["Send proposal", "Schedule demo", "Legal review", "Follow-up call", None]
            ),
            "Description": None,
        }
        stamp(rec, owner)
        data["Deals"][rec["id"]] = rec

    return data, ids


def directory() -> list[dict]:
    """The ``GET /_emulator/users`` listing."""
    orgs = org_by_zgid()
    return [
        {
            "email": u.email,
            "dc": u.dc,
            "full_name": u.full_name,
            "profile": u.profile,
            "orgs": [
                {
                    "zgid": z,
                    "name": orgs[z].name,
                    "profile": u.profile,
                    "denied_modules": list(PROFILES[u.profile].denied),
                    "read_only_modules": list(PROFILES[u.profile].read_only),
                    "field_permissions": _field_permissions(u.profile),
                }
                for z in u.orgs
            ],
        }
        for u in USERS
    ]


# Record states the demo shows in every org (Leads and Deals): the oldest record is locked,
# the next awaits approval, the third was rejected (editable again, as at Zoho).
RECORD_STATES = (
    {"Locked__s": True},
    {"$approval_state": "approval_process_pending"},
    {"$approval_state": "approval_process_rejected"},
)
STATEFUL_MODULES = ("Leads", "Deals")


def mark_record_states(data: dict[str, dict[str, dict]]) -> None:
    """Lock and put under approval a few seeded records of ``STATEFUL_MODULES`` (the oldest,
    by id: tests that write take the newest)."""
    for module in STATEFUL_MODULES:
        oldest = sorted(data.get(module, {}), key=int)
        for record_id, state in zip(oldest, RECORD_STATES, strict=False):
            data[module][record_id].update(state)


def _field_permissions(profile: str) -> dict:
    return restricted_fields(profile)
