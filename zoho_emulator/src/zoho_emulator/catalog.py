"""The CRM catalog as data: modules, their fields and picklists, as Zoho ships them.

Every standard module the SDK's ``record/field.py`` names (23) with at least those fields, the
``api_supported: false`` modules a real org lists, and per organisation its custom fields and
custom modules. Nothing here is code per module: ``schema.py`` turns these tables into field
metadata, validation rules and layouts.

Field lines read ``API_NAME | Label | data_type | options``; options are space separated:
``len=N`` length, ``M`` system mandatory, ``RO`` read only, ``U`` unique, ``S`` sortable,
``NS`` not searchable, ``pick=NAME`` picklist (``PICKLISTS``), ``lk=Module`` lookup target
(``se_module`` = What_Id's "any module"), ``dp=N`` decimal places, ``ret=type`` formula or
rollup return type, ``sub=Module`` subform module, ``C`` custom field, ``name`` the display
field (a lookup's ``name``).
"""

from __future__ import annotations

# ---------------------------------------------------------------------------- picklists

PICKLISTS: dict[str, tuple[str, ...]] = {
    "salutation": ("-None-", "Mr.", "Mrs.", "Ms.", "Dr.", "Prof."),
    "lead_source": (
        "-None-",
        "Advertisement",
        "Cold Call",
        "Employee Referral",
        "External Referral",
        "Online Store",
        "Partner",
        "Public Relations",
        "Sales Email Alias",
        "Seminar Partner",
        "Internal Seminar",
        "Trade Show",
        "Web Download",
        "Web Research",
        "Chat",
    ),
    "lead_status": (
        "-None-",
        "Attempted to Contact",
        "Contact in Future",
        "Contacted",
        "Junk Lead",
        "Lost Lead",
        "Not Contacted",
        "Pre-Qualified",
        "Not Qualified",
    ),
    "industry": (
        "-None-",
        "ASP (Application Service Provider)",
        "Data/Telecom OEM",
        "ERP (Enterprise Resource Planning)",
        "Government/Military",
        "Large Enterprise",
        "Management ISV",
        "MSP (Management Service Provider)",
        "Network Equipment Enterprise",
        "Non-management ISV",
        "Optical Networking",
        "Service Provider",
        "Small/Medium Enterprise",
        "Storage Equipment",
        "Storage Service Provider",
        "Systems Integrator",
        "Wireless Industry",
        "Communications",
        "Consulting",
        "Education",
        "Financial Services",
        "Manufacturing",
        "Retail",
        "Technology",
        "Logistics",
        "Energy",
    ),
    "rating": ("-None-", "Acquired", "Active", "Market Failed", "Project Cancelled", "Shut Down"),
    "account_type": (
        "-None-",
        "Analyst",
        "Competitor",
        "Customer",
        "Distributor",
        "Integrator",
        "Investor",
        "Other",
        "Partner",
        "Press",
        "Prospect",
        "Reseller",
        "Supplier",
        "Vendor",
    ),
    "ownership": (
        "-None-",
        "Other",
        "Private",
        "Public",
        "Subsidiary",
        "Partnership",
        "Government",
    ),
    "stage": (
        "Qualification",
        "Needs Analysis",
        "Value Proposition",
        "Identify Decision Makers",
        "Proposal/Price Quote",
        "Negotiation/Review",
        "Closed Won",
        "Closed Lost",
        "Closed-Lost to Competition",
    ),
    "deal_type": ("-None-", "Existing Business", "New Business"),
    "reason_for_loss": (
        "-None-",
        "Lost to Competitor",
        "Price",
        "Future Interest",
        "No Budget",
        "Lack of Features",
        "Other",
    ),
    "pipeline": ("Standard (Standard)",),
    "record_status": ("Available", "Draft", "Trash"),
    "enrich_status": ("-None-", "Available", "Enriched", "Data not found"),
    "unsubscribed_mode": ("-None-", "Consent form", "Manual", "Unsubscribe link", "Zoho Campaigns"),
    "data_processing_basis": (
        "-None-",
        "Contract",
        "Legal obligation",
        "Vital interest",
        "Public interest",
        "Legitimate interests",
        "Obtained",
        "Not Applicable",
    ),
    "data_source": ("-None-", "API", "CRM Web Form", "Import", "Manual", "Webform"),
    "task_status": ("Not Started", "Deferred", "In Progress", "Completed", "Waiting for input"),
    "priority": ("High", "Highest", "Low", "Lowest", "Normal"),
    "call_type": ("Outbound", "Inbound", "Missed"),
    "call_purpose": (
        "-None-",
        "Prospecting",
        "Administrative",
        "Negotiation",
        "Demo",
        "Project",
        "Desk",
    ),
    "call_result": (
        "-None-",
        "Interested",
        "Not interested",
        "No response/Busy",
        "Requested more info",
        "Requested call back",
        "Invalid number",
    ),
    "outgoing_call_status": ("Scheduled", "Completed", "Overdue", "Cancelled"),
    "check_in_status": ("-None-", "PLANNED", "VISITED"),
    "product_category": ("-None-", "Hardware", "Software", "CRM Applications", "Services"),
    "manufacturer": ("-None-", "AltvetPet Inc.", "LexPro Enterprises", "Abitech Ltd", "Zylker"),
    "usage_unit": ("Box", "Carton", "Dozen", "Each", "Hour(s)", "Impressions", "Lb", "M", "Pack"),
    "tax": ("Sales Tax", "Vat", "Service Tax"),
    "quote_stage": ("Draft", "Negotiation", "Delivered", "On Hold", "Confirmed", "Closed Won"),
    "carrier": ("FedEX", "UPS", "USPS", "DHL", "BlueDart"),
    "so_status": ("Created", "Approved", "Delivered", "Cancelled"),
    "po_status": ("Created", "Approved", "Delivered", "Cancelled"),
    "invoice_status": ("Created", "Approved", "Delivered", "Cancelled"),
    "campaign_type": (
        "-None-",
        "Conference",
        "Webinar",
        "Trade Show",
        "Public Relations",
        "Partners",
        "Referral Program",
        "Advertisement",
        "Banner Ads",
        "Direct mail",
        "Email",
        "Telemarketing",
        "Others",
    ),
    "campaign_status": ("-None-", "Planning", "Active", "Inactive", "Complete"),
    "vendor_category": ("-None-", "Hardware", "Software", "Logistics", "Services", "Raw materials"),
    "pricing_model": ("-None-", "Flat", "Differential"),
    "case_status": ("New", "On Hold", "Escalated", "Closed"),
    "case_priority": ("-None-", "High", "Medium", "Low"),
    "case_origin": ("-None-", "Email", "Phone", "Web"),
    "case_type": ("-None-", "Question", "Problem", "Feature Request"),
    "case_reason": (
        "-None-",
        "User did not attend any training",
        "Complex functionality",
        "Existing problem",
        "Instructions not clear",
        "New problem",
    ),
    "solution_status": ("-None-", "Draft", "Reviewed", "Duplicate"),
    "consent_through": ("-None-", "Email", "Phone", "Survey", "Social"),
    "request_type": ("Access", "Rectify", "Export", "Stop processing"),
    "request_source": ("Parent Record", "Web Form", "Email"),
    "appointment_status": (
        "Upcoming",
        "In Progress",
        "Completed",
        "Cancelled",
        "Overdue",
        "Did not attend",
    ),
    "service_status": ("Active", "Inactive"),
    "availability_type": ("Business Hours", "Custom"),
    "shipment_status": ("Booked", "In Transit", "Delivered", "Returned"),
    # The rows of the Leads' static subform Qualification_Checklist (field_types.py).
    "qualification_criterion": ("Budget", "Authority", "Need", "Timeline"),
    "shipment_carrier": ("DHL", "FedEx", "UPS", "Royal Mail", "Blue Dart", "Australia Post"),
    "installation_status": ("Surveyed", "Scheduled", "Installed", "Commissioned"),
    "experiment_phase": ("Design", "Running", "Analysis", "Concluded"),
    "region": ("North", "South", "East", "West", "Central"),
    "segment": ("SMB", "Mid-market", "Enterprise"),
    "preferred_channel": ("Email", "Phone", "WhatsApp", "In person"),
    "roof_type": ("Tile", "Metal", "Flat", "Slate"),
}

# ---------------------------------------------------------------------------- shared fields

SYSTEM = """
Created_By | Created By | ownerlookup | RO NS
Modified_By | Modified By | ownerlookup | RO NS
Created_Time | Created Time | datetime | RO S
Modified_Time | Modified Time | datetime | RO S
Tag | Tag | text | RO NS len=2000
Record_Status__s | Record Status | picklist | RO pick=record_status
"""
LOCKED = "Locked__s | Locked | boolean | RO NS"
CURRENCY = """
Currency | Currency | picklist | len=120
Exchange_Rate | Exchange Rate | double | dp=9 len=18
"""
ADDRESS = """
{p}Street | {l}Street | text | len=250
{p}City | {l}City | text | len=100
{p}State | {l}State | text | len=100
{p}Code | {l}Code | text | len=30
{p}Country | {l}Country | text | len=100
"""
INVENTORY = """
Subject | Subject | text | M S name len=255
Discount | Discount | currency | RO dp=2
Tax | Tax | currency | RO dp=2
Adjustment | Adjustment | currency | dp=2
Sub_Total | Sub Total | currency | RO dp=2
Grand_Total | Grand Total | currency | RO dp=2 S
Terms_and_Conditions | Terms and Conditions | textarea | len=32000
Description | Description | textarea | len=32000
Contact_Name | Contact Name | lookup | lk=Contacts
"""


def address(prefix: str, label: str) -> str:
    return ADDRESS.format(p=prefix, l=label)


# ---------------------------------------------------------------------------- modules
# (api_name, singular, plural, module_name, flags, field lines)
# flags: "inventory" (line items), "activity", "photo", "convertable", "no_create" ...

STANDARD: list[tuple[str, str, str, str, str]] = [
    (
        "Leads",
        "Lead",
        "Leads",
        "convertable photo",
        """
Owner | Lead Owner | ownerlookup | S
Salutation | Salutation | picklist | pick=salutation
First_Name | First Name | text | len=40 S
Last_Name | Last Name | text | len=80 M S
Full_Name | Lead Name | text | len=120 RO S name
Company | Company | text | len=200 S
Designation | Title | text | len=100
Email | Email | email | len=100 U S
Secondary_Email | Secondary Email | email | len=100
Phone | Phone | phone | len=30
Mobile | Mobile | phone | len=30
Fax | Fax | phone | len=30
Website | Website | website | len=255
Skype_ID | Skype ID | text | len=50
Twitter | Twitter | text | len=50
Lead_Source | Lead Source | picklist | pick=lead_source
Lead_Status | Lead Status | picklist | pick=lead_status
Industry | Industry | picklist | pick=industry
No_of_Employees | No. of Employees | integer | len=9
Annual_Revenue | Annual Revenue | currency | len=16 dp=2 S
Rating | Rating | picklist | pick=rating
Email_Opt_Out | Email Opt Out | boolean | NS
Unsubscribed_Mode | Unsubscribed Mode | picklist | RO pick=unsubscribed_mode
Unsubscribed_Time | Unsubscribed Time | datetime | RO
Street | Street | text | len=250
City | City | text | len=100
State | State | text | len=100
Zip_Code | Zip Code | text | len=30
Country | Country | text | len=100
Description | Description | textarea | len=32000
Record_Image | Lead Image | profileimage | RO NS
Layout | Layout | layout | RO NS
Territories | Territories | territories | RO NS
Data_Source | Data Source | picklist | RO pick=data_source
Data_Processing_Basis | Data Processing Basis | picklist | RO pick=data_processing_basis
Data_Processing_Basis_Details | Data Processing Basis Details | consent_lookup | RO NS
Converted__s | Converted | boolean | RO NS
Converted_Date_Time | Converted Date Time | datetime | RO
Converted_Account | Converted Account | lookup | RO lk=Accounts
Converted_Contact | Converted Contact | lookup | RO lk=Contacts
Converted_Deal | Converted Deal | lookup | RO lk=Deals
Lead_Conversion_Time | Lead Conversion Time | integer | RO
Last_Activity_Time | Last Activity Time | datetime | RO S
Change_Log_Time__s | Change Log Time | datetime | RO
Enrich_Status__s | Enrich Status | picklist | RO pick=enrich_status
Last_Enriched_Time__s | Last Enriched Time | datetime | RO
Visitor_Score | Visitor Score | bigint | RO
First_Visited_URL | First Visited URL | website | RO
First_Visited_Time | First Visited Time | datetime | RO
Last_Visited_Time | Last Visited Time | datetime | RO
Referrer | Referrer | website | RO
Days_Visited | Days Visited | integer | RO
Number_Of_Chats | Number Of Chats | integer | RO
Average_Time_Spent_Minutes | Average Time Spent (Minutes) | double | RO dp=2
"""
        + CURRENCY
        + SYSTEM
        + LOCKED,
    ),
    (
        "Contacts",
        "Contact",
        "Contacts",
        "photo",
        """
Owner | Contact Owner | ownerlookup | S
Salutation | Salutation | picklist | pick=salutation
First_Name | First Name | text | len=40 S
Last_Name | Last Name | text | len=80 M S
Full_Name | Contact Name | text | len=120 RO S name
Account_Name | Account Name | lookup | lk=Accounts
Vendor_Name | Vendor Name | lookup | lk=Vendors
Email | Email | email | len=100 U S
Secondary_Email | Secondary Email | email | len=100
Phone | Phone | phone | len=30
Other_Phone | Other Phone | phone | len=30
Home_Phone | Home Phone | phone | len=30
Mobile | Mobile | phone | len=30
Fax | Fax | phone | len=30
Assistant | Assistant | text | len=30
Asst_Phone | Asst Phone | phone | len=30
Title | Title | text | len=100
Department | Department | text | len=30
Reporting_To | Reporting To | lookup | lk=Contacts
Reports_To | Reports To | lookup | RO lk=Contacts
Date_of_Birth | Date of Birth | date
Lead_Source | Lead Source | picklist | pick=lead_source
Email_Opt_Out | Email Opt Out | boolean | NS
Unsubscribed_Mode | Unsubscribed Mode | picklist | RO pick=unsubscribed_mode
Unsubscribed_Time | Unsubscribed Time | datetime | RO
Skype_ID | Skype ID | text | len=50
Twitter | Twitter | text | len=50
"""
        + address("Mailing_", "Mailing ")
        .replace("Mailing_Code", "Mailing_Zip")
        .replace("Mailing Code", "Mailing Zip")
        + address("Other_", "Other ")
        .replace("Other_Code", "Other_Zip")
        .replace("Other Code", "Other Zip")
        + """
Description | Description | textarea | len=32000
Record_Image | Contact Image | profileimage | RO NS
Territories | Territories | territories | RO NS
Data_Source | Data Source | picklist | RO pick=data_source
Data_Processing_Basis | Data Processing Basis | picklist | RO pick=data_processing_basis
Data_Processing_Basis_Details | Data Processing Basis Details | consent_lookup | RO NS
Last_Activity_Time | Last Activity Time | datetime | RO S
Change_Log_Time__s | Change Log Time | datetime | RO
Enrich_Status__s | Enrich Status | picklist | RO pick=enrich_status
Last_Enriched_Time__s | Last Enriched Time | datetime | RO
Visitor_Score | Visitor Score | bigint | RO
First_Visited_URL | First Visited URL | website | RO
First_Visited_Time | First Visited Time | datetime | RO
Last_Visited_Time | Last Visited Time | datetime | RO
Referrer | Referrer | website | RO
Days_Visited | Days Visited | integer | RO
Number_Of_Chats | Number Of Chats | integer | RO
Average_Time_Spent_Minutes | Average Time Spent (Minutes) | double | RO dp=2
"""
        + SYSTEM
        + LOCKED,
    ),
    (
        "Accounts",
        "Account",
        "Accounts",
        "photo",
        """
Owner | Account Owner | ownerlookup | S
Account_Name | Account Name | text | len=200 M U S name
Account_Number | Account Number | bigint | len=40
Account_Site | Account Site | text | len=80
Parent_Account | Parent Account | lookup | lk=Accounts
Account_Type | Account Type | picklist | pick=account_type
Industry | Industry | picklist | pick=industry
Ownership | Ownership | picklist | pick=ownership
Website | Website | website | len=255
Phone | Phone | phone | len=30
Fax | Fax | phone | len=30
Ticker_Symbol | Ticker Symbol | text | len=30
Employees | Employees | integer | len=9
Annual_Revenue | Annual Revenue | currency | len=16 dp=2 S
SIC_Code | SIC Code | integer | len=9
Rating | Rating | picklist | pick=rating
"""
        + address("Billing_", "Billing ")
        + address("Shipping_", "Shipping ")
        + """
Description | Description | textarea | len=32000
Record_Image | Account Image | profileimage | RO NS
Territories | Territories | territories | RO NS
Last_Activity_Time | Last Activity Time | datetime | RO S
Change_Log_Time__s | Change Log Time | datetime | RO
Enrich_Status__s | Enrich Status | picklist | RO pick=enrich_status
Last_Enriched_Time__s | Last Enriched Time | datetime | RO
"""
        + CURRENCY
        + SYSTEM
        + LOCKED,
    ),
    (
        "Deals",
        "Deal",
        "Deals",
        "",
        """
Owner | Deal Owner | ownerlookup | S
Deal_Name | Deal Name | text | len=120 M S name
Stage | Stage | picklist | M pick=stage
Pipeline | Pipeline | picklist | pick=pipeline
Amount | Amount | currency | len=16 dp=2 S
Closing_Date | Closing Date | date | S
Probability | Probability (%) | integer | len=3
Expected_Revenue | Expected Revenue | currency | RO dp=2
Type | Type | picklist | pick=deal_type
Account_Name | Account Name | lookup | lk=Accounts
Contact_Name | Contact Name | lookup | lk=Contacts
Campaign_Source | Campaign Source | lookup | lk=Campaigns
Lead_Source | Lead Source | picklist | pick=lead_source
Next_Step | Next Step | text | len=100
Reason_For_Loss__s | Reason For Loss | picklist | pick=reason_for_loss
Territory | Territory | territories | RO NS
Description | Description | textarea | len=32000
Lead_Conversion_Time | Lead Conversion Time | integer | RO
Sales_Cycle_Duration | Sales Cycle Duration | integer | RO
Overall_Sales_Duration | Overall Sales Duration | integer | RO
Last_Activity_Time | Last Activity Time | datetime | RO S
Change_Log_Time__s | Change Log Time | datetime | RO
"""
        + CURRENCY
        + SYSTEM
        + LOCKED,
    ),
    (
        "Tasks",
        "Task",
        "Tasks",
        "activity",
        """
Owner | Task Owner | ownerlookup | S
Subject | Subject | text | len=300 M S name
Due_Date | Due Date | date | S
Status | Status | picklist | pick=task_status
Priority | Priority | picklist | pick=priority
What_Id | Related To | lookup | lk=se_module
Who_Id | Contact Name | lookup | lk=Contacts
Send_Notification_Email | Send Notification Email | boolean | NS
Remind_At | Reminder | ALARM | RO NS
Recurring_Activity | Repeat | RRULE | RO NS
Closed_Time | Closed Time | datetime | RO S
Description | Description | textarea | len=32000
"""
        + SYSTEM
        + LOCKED,
    ),
    (
        "Events",
        "Meeting",
        "Meetings",
        "activity",
        """
Owner | Host | ownerlookup | S
Event_Title | Title | text | len=255 M S name
Start_DateTime | From | datetime | M S
End_DateTime | To | datetime | M S
All_day | All day | boolean | NS
Venue | Location | text | len=255
What_Id | Related To | lookup | lk=se_module
Who_Id | Contact Name | lookup | lk=Contacts
Participants | Participants | participants | RO NS
Remind_At | Remind At | event_reminder | RO NS
Remind_Participants | Remind Participants | multireminder | RO NS
Recurring_Activity | Repeat | RRULE | RO NS
Check_In_Time | Check-In Time | datetime | RO
Check_In_By | Checked In By | ownerlookup | RO NS
Check_In_Status | Check-In Status | picklist | RO pick=check_in_status
Check_In_Comment | Check-In Comment | textarea | RO
Check_In_Address | Check-In Address | text | RO
Check_In_Sub_Locality | Check-In Sub-Locality | text | RO
Check_In_City | Check-In City | text | RO
Check_In_State | Check-In State | text | RO
Check_In_Country | Check-In Country | text | RO
ZIP_Code | Check-In ZIP Code | text | RO
Latitude | Latitude | text | RO
Longitude | Longitude | text | RO
Description | Description | textarea | len=32000
"""
        + SYSTEM,
    ),
    (
        "Calls",
        "Call",
        "Calls",
        "activity",
        """
Owner | Call Owner | ownerlookup | S
Subject | Subject | text | len=255 M S name
Call_Type | Call Type | picklist | M pick=call_type
Call_Start_Time | Call Start Time | datetime | M S
Call_Duration | Call Duration | text | len=10
Call_Duration_in_seconds | Call Duration (in seconds) | integer | RO
Call_Purpose | Call Purpose | picklist | pick=call_purpose
Call_Agenda | Call Agenda | textarea | len=2000
Call_Result | Call Result | picklist | pick=call_result
Outgoing_Call_Status | Outgoing Call Status | picklist | RO pick=outgoing_call_status
What_Id | Related To | lookup | lk=se_module
Who_Id | Contact Name | lookup | lk=Contacts
Reminder | Reminder | multireminder | RO NS
Caller_ID | Caller ID | phone | len=30
Dialled_Number | Dialled Number | phone | len=30
CTI_Entry | CTI Entry | boolean | RO NS
Scheduled_In_CRM | Scheduled In CRM | text | RO
Voice_Recording__s | Voice Recording | website | RO
Description | Description | textarea | len=32000
"""
        + SYSTEM,
    ),
    (
        "Products",
        "Product",
        "Products",
        "photo",
        """
Owner | Product Owner | ownerlookup | S
Product_Name | Product Name | text | len=120 M S name
Product_Code | Product Code | text | len=40 S
Product_Active | Product Active | boolean | NS
Product_Category | Product Category | picklist | pick=product_category
Manufacturer | Manufacturer | picklist | pick=manufacturer
Vendor_Name | Vendor Name | lookup | lk=Vendors
Handler | Handler | ownerlookup | NS
Sales_Start_Date | Sales Start Date | date
Sales_End_Date | Sales End Date | date
Support_Start_Date | Support Start Date | date
Support_Expiry_Date | Support Expiry Date | date
Unit_Price | Unit Price | currency | len=16 dp=2 S
Commission_Rate | Commission Rate | currency | dp=2
Tax | Tax | multiselectpicklist | pick=tax
Taxable | Taxable | boolean | NS
Usage_Unit | Usage Unit | picklist | pick=usage_unit
Qty_Ordered | Qty Ordered | double | dp=2
Qty_in_Stock | Qty in Stock | double | dp=2
Reorder_Level | Reorder Level | double | dp=2
Qty_in_Demand | Qty in Demand | double | dp=2
Description | Description | textarea | len=32000
Record_Image | Product Image | profileimage | RO NS
"""
        + SYSTEM
        + LOCKED,
    ),
    (
        "Quotes",
        "Quote",
        "Quotes",
        "inventory",
        """
Owner | Quote Owner | ownerlookup | S
Quote_Number | Quote Number | autonumber | RO S
Quote_Stage | Quote Stage | picklist | pick=quote_stage
Valid_Till | Valid Till | date | S
Team | Team | text | len=120
Carrier | Carrier | picklist | pick=carrier
Deal_Name | Deal Name | lookup | lk=Deals
Account_Name | Account Name | lookup | M lk=Accounts
Quoted_Items | Quoted Items | subform | RO NS sub=Quoted_Items
"""
        + INVENTORY
        + address("Billing_", "Billing ")
        + address("Shipping_", "Shipping ")
        + CURRENCY
        + SYSTEM
        + LOCKED,
    ),
    (
        "Sales_Orders",
        "Sales Order",
        "Sales Orders",
        "inventory",
        """
Owner | Sales Order Owner | ownerlookup | S
SO_Number | SO Number | autonumber | RO S
Customer_No | Customer No | text | len=100
Purchase_Order | Purchase Order | text | len=100
Quote_Name | Quote Name | lookup | lk=Quotes
Deal_Name | Deal Name | lookup | lk=Deals
Account_Name | Account Name | lookup | M lk=Accounts
Due_Date | Due Date | date | S
Pending | Pending | text | len=100
Carrier | Carrier | picklist | pick=carrier
Excise_Duty | Excise Duty | currency | dp=2
Sales_Commission | Sales Commission | currency | dp=2
Status | Status | picklist | pick=so_status
Ordered_Items | Ordered Items | subform | RO NS sub=Ordered_Items
"""
        + INVENTORY
        + address("Billing_", "Billing ")
        + address("Shipping_", "Shipping ")
        + CURRENCY
        + SYSTEM
        + LOCKED,
    ),
    (
        "Purchase_Orders",
        "Purchase Order",
        "Purchase Orders",
        "inventory",
        """
Owner | Purchase Order Owner | ownerlookup | S
PO_Number | PO Number | autonumber | RO S
Vendor_Name | Vendor Name | lookup | M lk=Vendors
Requisition_No | Requisition No | text | len=100
Tracking_Number | Tracking Number | text | len=100
PO_Date | PO Date | date | S
Due_Date | Due Date | date | S
Carrier | Carrier | picklist | pick=carrier
Excise_Duty | Excise Duty | currency | dp=2
Sales_Commission | Sales Commission | currency | dp=2
Status | Status | picklist | pick=po_status
Purchase_Items | Purchase Items | subform | RO NS sub=Purchase_Items
"""
        + INVENTORY
        + address("Billing_", "Billing ")
        + address("Shipping_", "Shipping ")
        + CURRENCY
        + SYSTEM
        + LOCKED,
    ),
    (
        "Invoices",
        "Invoice",
        "Invoices",
        "inventory",
        """
Owner | Invoice Owner | ownerlookup | S
Invoice_Number | Invoice Number | autonumber | RO S
Invoice_Date | Invoice Date | date | S
Due_Date | Due Date | date | S
Sales_Order | Sales Order | lookup | lk=Sales_Orders
Purchase_Order | Purchase Order | text | len=100
Account_Name | Account Name | lookup | M lk=Accounts
Excise_Duty | Excise Duty | currency | dp=2
Sales_Commission | Sales Commission | currency | dp=2
Status | Status | picklist | pick=invoice_status
Invoiced_Items | Invoiced Items | subform | RO NS sub=Invoiced_Items
"""
        + INVENTORY
        + address("Billing_", "Billing ")
        + address("Shipping_", "Shipping ")
        + CURRENCY
        + SYSTEM
        + LOCKED,
    ),
    (
        "Campaigns",
        "Campaign",
        "Campaigns",
        "",
        """
Owner | Campaign Owner | ownerlookup | S
Campaign_Name | Campaign Name | text | len=120 M S name
Type | Type | picklist | pick=campaign_type
Status | Status | picklist | pick=campaign_status
Start_Date | Start Date | date | S
End_Date | End Date | date | S
Parent_Campaign | Parent Campaign | lookup | lk=Campaigns
Expected_Revenue | Expected Revenue | currency | dp=2
Budgeted_Cost | Budgeted Cost | currency | dp=2
Actual_Cost | Actual Cost | currency | dp=2
Expected_Response | Expected Response | integer | len=9
Num_sent | Num sent | integer | len=9
Description | Description | textarea | len=32000
"""
        + CURRENCY
        + SYSTEM,
    ),
    (
        "Vendors",
        "Vendor",
        "Vendors",
        "photo",
        """
Owner | Vendor Owner | ownerlookup | S
Vendor_Name | Vendor Name | text | len=120 M S name
Email | Email | email | len=100 S
Phone | Phone | phone | len=30
Website | Website | website | len=255
GL_Account | GL Account | text | len=100
Category | Category | picklist | pick=vendor_category
Email_Opt_Out | Email Opt Out | boolean | NS
Unsubscribed_Mode | Unsubscribed Mode | picklist | RO pick=unsubscribed_mode
Unsubscribed_Time | Unsubscribed Time | datetime | RO
Street | Street | text | len=250
City | City | text | len=100
State | State | text | len=100
Zip_Code | Zip Code | text | len=30
Country | Country | text | len=100
Description | Description | textarea | len=32000
Record_Image | Vendor Image | profileimage | RO NS
"""
        + SYSTEM
        + LOCKED,
    ),
    (
        "Price_Books",
        "Price Book",
        "Price Books",
        "",
        """
Owner | Price Book Owner | ownerlookup | S
Price_Book_Name | Price Book Name | text | len=120 M S name
Active | Active | boolean | NS
Pricing_Model | Pricing Model | picklist | M pick=pricing_model
Pricing_Details | Pricing Details | pricing_details | RO NS
Description | Description | textarea | len=32000
"""
        + SYSTEM
        + LOCKED,
    ),
    (
        "Cases",
        "Case",
        "Cases",
        "",
        """
Owner | Case Owner | ownerlookup | S
Case_Number | Case Number | autonumber | RO S
Subject | Subject | text | len=255 M S name
Status | Status | picklist | M pick=case_status
Priority | Priority | picklist | pick=case_priority
Case_Origin | Case Origin | picklist | M pick=case_origin
Type | Type | picklist | pick=case_type
Case_Reason | Case Reason | picklist | pick=case_reason
Product_Name | Product Name | lookup | lk=Products
Account_Name | Account Name | lookup | lk=Accounts
Deal_Name | Deal Name | lookup | lk=Deals
Related_To | Related To | lookup | lk=Contacts
Reported_By | Reported By | text | len=120
Email | Email | email | len=100
Phone | Phone | phone | len=30
Solution | Solution | textarea | len=32000
Internal_Comments | Internal Comments | textarea | len=32000
Add_Comment | Add Comment | textarea | len=32000
Comments | Comments | comments | RO NS
No_of_comments | No. of comments | integer | RO
Description | Description | textarea | len=32000
"""
        + SYSTEM
        + LOCKED,
    ),
    (
        "Solutions",
        "Solution",
        "Solutions",
        "",
        """
Owner | Solution Owner | ownerlookup | S
Solution_Number | Solution Number | autonumber | RO S
Solution_Title | Solution Title | text | len=255 M S name
Status | Status | picklist | pick=solution_status
Published | Published | boolean | NS
Product_Name | Product Name | lookup | lk=Products
Question | Question | textarea | len=32000
Answer | Answer | textarea | len=32000
Add_Comment | Add Comment | textarea | len=32000
Comments | Comments | comments | RO NS
No_of_comments | No. of comments | integer | RO
"""
        + SYSTEM
        + LOCKED,
    ),
    (
        "Notes",
        "Note",
        "Notes",
        "",
        """
Owner | Note Owner | ownerlookup | S
Note_Title | Note Title | text | len=120 S name
Note_Content | Note Content | textarea | len=32000 M
Parent_Id | Parent ID | lookup | M lk=se_module
Associated_Id__s | Associated Id | text | RO NS
Created_By | Created By | ownerlookup | RO NS
Modified_By | Modified By | ownerlookup | RO NS
Created_Time | Created Time | datetime | RO S
Modified_Time | Modified Time | datetime | RO S
Record_Status__s | Record Status | picklist | RO pick=record_status
""",
    ),
    (
        "Attachments",
        "Attachment",
        "Attachments",
        "no_write",
        """
Owner | Attachment Owner | ownerlookup | RO S
File_Name | File Name | text | len=255 RO S name
Size | Size | text | RO
Parent_Id | Parent ID | lookup | RO lk=se_module
Created_By | Created By | ownerlookup | RO NS
Modified_By | Modified By | ownerlookup | RO NS
Created_Time | Created Time | datetime | RO S
Modified_Time | Modified Time | datetime | RO S
Record_Status__s | Record Status | picklist | RO pick=record_status
""",
    ),
    (
        "Consents",
        "Consent",
        "Consents",
        "",
        """
Owner | Consent Owner | ownerlookup | S
Email | Email | email | len=100 M S name
Consent_Through | Consent Through | picklist | pick=consent_through
Consent_Date | Consent Date | date | S
Consent_Remarks | Consent Remarks | textarea | len=2000
Contact_Through_Email | Contact Through Email | boolean | NS
Contact_Through_Phone | Contact Through Phone | boolean | NS
Contact_Through_Survey | Contact Through Survey | boolean | NS
Data_Processing_Basis | Data Processing Basis | picklist | pick=data_processing_basis
Lawful_Reason | Lawful Reason | text | len=255
Mail_Sent_Time | Mail Sent Time | datetime | RO
Created_By | Created By | ownerlookup | RO NS
Modified_By | Modified By | ownerlookup | RO NS
Created_Time | Created Time | datetime | RO S
Modified_Time | Modified Time | datetime | RO S
Record_Status__s | Record Status | picklist | RO pick=record_status
""",
    ),
    (
        "Data_Subject_Requests",
        "Data Subject Request",
        "Data Subject Requests",
        "",
        """
Parent_Id | Parent Id | lookup | M lk=se_module name
Request_Type | Request Type | picklist | M pick=request_type
Request_Source | Request Source | picklist | pick=request_source
Requested_By | Requested By | ownerlookup | RO NS
Requested_Date | Requested Date | datetime | RO S
Is_Closed | Is Closed | boolean | NS
Closed_By | Closed By | ownerlookup | RO NS
Closed_Date | Closed Date | datetime | RO
Record_Status__s | Record Status | picklist | RO pick=record_status
""",
    ),
    (
        "Services__s",
        "Service",
        "Services",
        "",
        """
Owner | Service Owner | ownerlookup | S
Service_Name | Service Name | text | len=120 M S name
Status | Status | picklist | pick=service_status
Duration | Duration | integer | M len=4
Price | Price | currency | dp=2 S
Tax | Tax | multiselectpicklist | pick=tax
Location | Location | text | len=255
Members | Members | multiuserlookup | RO NS
Availability_Type | Availability Type | picklist | pick=availability_type
Available_Days | Available Days | text | len=255
Available_Dates | Available Dates | text | RO
Available_Timings | Available Timings | text | RO
Available_From | Available From | date
Available_Till | Available Till | date
Unavailable_From | Unavailable From | date
Unavailable_Till | Unavailable Till | date
Job_Sheet_Required | Job Sheet Required | boolean | NS
Job_Sheet_Section__s | Job Sheet Section | text | RO NS
Description | Description | textarea | len=32000
Record_Image | Service Image | profileimage | RO NS
"""
        + SYSTEM,
    ),
    (
        "Appointments__s",
        "Appointment",
        "Appointments",
        "",
        """
Owner | Appointment Owner | ownerlookup | S
Appointment_Name | Appointment Name | text | len=255 RO S name
Appointment_For | Appointment For | lookup | M lk=se_module
Service_Name | Service Name | lookup | M lk=Services__s
Appointment_Start_Time | Appointment Start Time | datetime | M S
Appointment_End_Time | Appointment End Time | datetime | RO S
Duration | Duration | integer | RO
Status | Status | picklist | RO pick=appointment_status
Location | Location | text | len=255
Address | Address | text | len=255
Remind_At | Remind At | multireminder | RO NS
Additional_Information | Additional Information | textarea | len=2000
Cancellation_Reason | Cancellation Reason | text | RO
Cancellation_Note | Cancellation Note | textarea | RO
Cancelled_By | Cancelled By | ownerlookup | RO NS
Cancelled_Time | Cancelled Time | datetime | RO
Rescheduled_From | Rescheduled From | datetime | RO
Rescheduled_To | Rescheduled To | datetime | RO
Rescheduled_By | Rescheduled By | ownerlookup | RO NS
Rescheduled_Time | Rescheduled Time | datetime | RO
Reschedule_Count | Reschedule Count | integer | RO
Reschedule_Reason | Reschedule Reason | text | RO
Reschedule_Note | Reschedule Note | textarea | RO
Job_Sheet_Name__s | Job Sheet Name | text | RO NS
Job_Sheet_Created__s | Job Sheet Created | boolean | RO NS
Job_Sheet_Section__s | Job Sheet Section | text | RO NS
Job_Sheet_Description__s | Job Sheet Description | textarea | RO NS
"""
        + SYSTEM,
    ),
]

# Subform (line item) modules: answer settings/fields, never listed in settings/modules.
LINE_ITEM = """
Product_Name | Product Name | lookup | M lk=Products name
Quantity | Quantity | double | M dp=2
List_Price | List Price | currency | dp=2
Discount | Discount | currency | dp=2
Total | Total | currency | RO dp=2
Net_Total | Net Total | currency | RO dp=2
Tax | Tax | currency | RO dp=2
Description | Description | textarea | len=2000
Sequence_Number | Sequence Number | integer | RO
"""
SUBFORMS: dict[str, tuple[str, str]] = {
    "Quoted_Items": ("Quotes", LINE_ITEM),
    "Ordered_Items": ("Sales_Orders", LINE_ITEM),
    "Purchase_Items": ("Purchase_Orders", LINE_ITEM),
    "Invoiced_Items": ("Invoices", LINE_ITEM),
}

# Modules an org lists with api_supported false (web tabs without a records API). Zoho's
# Modules API lists such tabs; which ones exist varies by edition. Requests to them answer
# NOT_SUPPORTED.
UNSUPPORTED: list[tuple[str, str, str]] = [
    ("Home", "Home", "Home"),
    ("Reports", "Report", "Reports"),
    ("Dashboards", "Dashboard", "Dashboards"),
    ("Forecasts", "Forecast", "Forecasts"),
    ("Feeds", "Feed", "Feeds"),
    ("SalesInbox", "SalesInbox", "SalesInbox"),
    ("Social", "Social", "Social"),
    ("Documents", "Document", "Documents"),
    ("Visits", "Visit", "Visits"),
    ("Projects", "Project", "Projects"),
]

# Which modules What_Id (Related To, "se_module") may point to, per activity module, and
# Notes' / Attachments' Parent_Id. Leads are linked through What_Id: a lead is not a contact,
# so Who_Id (Contacts) stays empty for them.
WHAT_ID_MODULES = (
    "Leads",
    "Accounts",
    "Deals",
    "Products",
    "Quotes",
    "Sales_Orders",
    "Purchase_Orders",
    "Invoices",
    "Campaigns",
    "Vendors",
    "Price_Books",
    "Cases",
    "Solutions",
)
PARENT_ID_MODULES = WHAT_ID_MODULES + ("Contacts", "Tasks", "Events", "Calls")

# ---------------------------------------------------------------------------- per org

CUSTOM_MODULES: dict[str, list[tuple[str, str, str, str]]] = {
    # zgid: [(api_name, singular, plural, fields)]
    "720019234": [
        (
            "Shipments",
            "Shipment",
            "Shipments",
            """
Owner | Shipment Owner | ownerlookup | S
Name | Shipment Name | text | len=120 M S name
Account | Account | lookup | C lk=Accounts
Deal | Deal | lookup | C lk=Deals
Tracking_Number | Tracking Number | text | C len=60 U S
Carrier | Carrier | picklist | C pick=shipment_carrier
Status | Status | picklist | C pick=shipment_status
Shipped_Date | Shipped Date | date | C S
Weight_kg | Weight (kg) | double | C dp=2
Declared_Value | Declared Value | currency | C dp=2
Email | Email | email | len=100
Secondary_Email | Secondary Email | email | len=100
"""
            + SYSTEM,
        )
    ],
    "720019877": [
        (
            "Experiments",
            "Experiment",
            "Experiments",
            """
Owner | Experiment Owner | ownerlookup | S
Name | Experiment Name | text | len=120 M S name
Hypothesis | Hypothesis | textarea | C len=2000
Phase | Phase | picklist | C pick=experiment_phase
Sponsor_Account | Sponsor Account | lookup | C lk=Accounts
Budget | Budget | currency | C dp=2
Start_Date | Start Date | date | C S
Success_Rate | Success Rate | percent | C dp=2
"""
            + SYSTEM,
        )
    ],
    "20071245781": [
        (
            "Shipments",
            "Shipment",
            "Shipments",
            """
Owner | Sendungsverantwortlicher | ownerlookup | S
Name | Sendungsname | text | len=120 M S name
Account | Kunde | lookup | C lk=Accounts
Tracking_Number | Sendungsnummer | text | C len=60 U S
Carrier | Spediteur | picklist | C pick=shipment_carrier
Status | Status | picklist | C pick=shipment_status
Shipped_Date | Versanddatum | date | C S
Weight_kg | Gewicht (kg) | double | C dp=2
"""
            + SYSTEM,
        )
    ],
    "60012873459": [
        (
            "Shipments",
            "Shipment",
            "Shipments",
            """
Owner | Shipment Owner | ownerlookup | S
Name | Consignment | text | len=120 M S name
Account | Buyer | lookup | C lk=Accounts
Tracking_Number | LR Number | text | C len=60 U S
Carrier | Carrier | picklist | C pick=shipment_carrier
Status | Status | picklist | C pick=shipment_status
Shipped_Date | Dispatch Date | date | C S
Weight_kg | Weight (kg) | double | C dp=2
Bales | Bales | integer | C len=5
"""
            + SYSTEM,
        )
    ],
    "7001938172": [
        (
            "Installations",
            "Installation",
            "Installations",
            """
Owner | Installer | ownerlookup | S
Name | Installation | text | len=120 M S name
Account | Customer | lookup | C lk=Accounts
Deal | Deal | lookup | C lk=Deals
Status | Status | picklist | C pick=installation_status
System_Size_kW | System Size (kW) | double | C dp=2
Panels | Panels | integer | C len=4
Roof_Type | Roof Type | picklist | C pick=roof_type
Install_Date | Install Date | date | C S
"""
            + SYSTEM,
        )
    ],
    "90051762213": [
        (
            "Shipments",
            "Delivery",
            "Deliveries",
            """
Owner | Delivery Owner | ownerlookup | S
Name | Delivery Reference | text | len=120 M S name
Account | Customer | lookup | C lk=Accounts
Tracking_Number | Tracking Number | text | C len=60 U S
Carrier | Carrier | picklist | C pick=shipment_carrier
Status | Status | picklist | C pick=shipment_status
Shipped_Date | Dispatched | date | C S
Pallets | Pallets | integer | C len=4
"""
            + SYSTEM,
        )
    ],
}

# Custom fields on standard modules, per org (custom_field: true).
CUSTOM_FIELDS: dict[str, dict[str, str]] = {
    "720019234": {
        "Leads": """
Region | Region | picklist | C pick=region
Budget_Approved | Budget Approved | boolean | C NS
Preferred_Channel | Preferred Channel | multiselectpicklist | C pick=preferred_channel
""",
        "Accounts": """
Segment | Segment | picklist | C pick=segment
Credit_Limit | Credit Limit | currency | C dp=2
Customer_Since | Customer Since | date | C
""",
        "Deals": """
Competitor | Competitor | text | C len=120
Deal_Score | Deal Score | formula | C RO ret=double dp=2
""",
    },
    "720019877": {
        "Leads": """
Research_Area | Research Area | text | C len=120
Grant_Funded | Grant Funded | boolean | C NS
""",
        "Contacts": """
ORCID | ORCID | text | C len=19 U
""",
    },
    "20071245781": {
        "Accounts": """
USt_IdNr | USt-IdNr. | text | C len=20 U
Zahlungsziel_Tage | Zahlungsziel (Tage) | integer | C len=3
""",
        "Deals": """
Incoterm | Incoterm | text | C len=3
""",
    },
    "60012873459": {
        "Accounts": """
GSTIN | GSTIN | text | C len=15 U
Credit_Days | Credit Days | integer | C len=3
""",
        "Leads": """
Fabric_Interest | Fabric Interest | multiselectpicklist | C pick=product_category
""",
    },
    "7001938172": {
        "Leads": """
Roof_Type | Roof Type | picklist | C pick=roof_type
Estimated_kW | Estimated kW | double | C dp=2
""",
        "Deals": """
Rebate_Eligible | Rebate Eligible | boolean | C NS
""",
    },
    "90051762213": {
        "Accounts": """
VAT_Number | VAT Number | text | C len=14 U
Trade_Terms | Trade Terms | text | C len=60
""",
        "Leads": """
Region | Region | picklist | C pick=region
""",
    },
}
