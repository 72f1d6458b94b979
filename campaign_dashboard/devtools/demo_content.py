"""The demo's script: the brand, the people (names, cities, plans, tags), the campaigns in every
status with their subjects and SMS bodies, and the links readers click. Pure data: `seed` writes
it, `seed_activity` makes up what sending left."""

from __future__ import annotations

from dataclasses import dataclass

from campaign_dashboard.models import CampaignStatus

DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_ADMIN_PASSWORD = "admin"
BRAND = "Northwind Outfitters"
FROM_EMAIL = "Northwind Outfitters <news@example.com>"
REPLY_TO = "hello@example.com"
SMS_FROM = "+15005550006"

FIRST_NAMES = (  # noqa: SIM905  (a list of 57 names reads better as words)
    "Olivia Liam Emma Noah Ava Elijah Sophia James Isabella Lucas Mia Mateo Amelia Ethan Harper "
    "Benjamin Evelyn Levi Abigail Daniel Emily Henry Ella Jack Elizabeth Owen Camila Samuel Luna "
    "Sebastian Sofia Aiden Avery Wyatt Mila Carter Aria Julian Scarlett Grace Chloe Maya Priya Wei "
    "Hiroshi Fatima Omar Aisha Diego Lucia Andre Zoe Nora Leo"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Chen Patel Kim"
).split()
# (city, timezone, area codes)
CITIES = (
    ("New York", "America/New_York", ("212", "646", "718")),
    ("Boston", "America/New_York", ("617", "857")),
    ("Miami", "America/New_York", ("305", "786")),
    ("Atlanta", "America/New_York", ("404", "678")),
    ("Chicago", "America/Chicago", ("312", "773")),
    ("Austin", "America/Chicago", ("512", "737")),
    ("Houston", "America/Chicago", ("713", "832")),
    ("Denver", "America/Denver", ("303", "720")),
    ("Phoenix", "America/Phoenix", ("602", "480")),
    ("Seattle", "America/Los_Angeles", ("206", "425")),
    ("San Francisco", "America/Los_Angeles", ("415", "628")),
    ("Los Angeles", "America/Los_Angeles", ("213", "310", "323")),
    ("Portland", "America/Los_Angeles", ("503", "971")),
)
PLANS = (("free", 45), ("starter", 30), ("pro", 20), ("enterprise", 5))
SOURCES = ("website", "checkout", "event", "referral", "import")
TAGS = (("newsletter", 0.62), ("customer", 0.45), ("trial", 0.15), ("vip", 0.08), ("beta", 0.05))

NEWSLETTER_HTML = """<h1>Hi {{ first_name | default('there') }},</h1>
<p>Here is what is new at Northwind Outfitters this month: fresh trail gear, a repair guide for
your favourite jacket, and members-only prices for {{ city | default('your city') }}.</p>
<p><a href="https://example.com/new">See what is new</a></p>
<p style="color:#888">You get this because you subscribed to our newsletter.</p>"""


@dataclass(frozen=True)
class Plan:
    """One demo campaign: its status, age, audience and how far sending got."""

    name: str
    status: CampaignStatus
    days_ago: float
    audience: str  # a tag, or "all"
    progress: float = 1.0  # share of recipients processed (sending / paused)
    reason: str | None = None
    # paused by the reputation breaker: every 4th address hard-bounces, sending got as far as the
    # breaker let it (seed_activity.breaker_reach); the reason is the breaker's own
    breaker: bool = False
    # sent at this time in each contact's time zone (contacts without one: New York's)
    local_send_time: str | None = None
    # an A/B test of the subject (the first is the campaign's own): 20% split evenly, the winner
    # picked 4 hours later on the open rate, the rest sent it (the demo makes the second one win)
    ab_subjects: tuple[str, ...] = ()


EMAIL_PLANS = (
    Plan("Spring collection preview", CampaignStatus.SENT, 40, "newsletter"),
    Plan("Welcome series: week 1", CampaignStatus.SENT, 31, "trial"),
    Plan("November newsletter", CampaignStatus.SENT, 18, "newsletter"),
    Plan(
        "Spring webinar invite",
        CampaignStatus.FAILED,
        12,
        "customer",
        progress=0.06,
        reason="Resend rejected the API key (401 validation_error): check RESEND_API_KEY.",
    ),
    Plan(
        "Weekend flash sale",
        CampaignStatus.CANCELLED,
        9,
        "customer",
        progress=0.3,
        reason="Cancelled by a marketer: wrong discount code.",
    ),
    Plan("Black Friday early access", CampaignStatus.SENT, 6, "vip"),
    Plan("Product update: trail app 2.0", CampaignStatus.PAUSED, 2, "customer", progress=0.45),
    Plan("Winter sale announcement", CampaignStatus.SENDING, 0.2, "newsletter", progress=0.62),
    Plan("Holiday gift guide", CampaignStatus.SCHEDULED, 0.1, "newsletter", local_send_time="09:00"),
    Plan("Year in review 2026", CampaignStatus.DRAFT, 0.05, "all"),
    # last, so the other demo campaigns keep their ids
    Plan("Win-back: lapsed customers", CampaignStatus.PAUSED, 0.4, "customer", breaker=True),
    Plan(
        "Autumn sale: subject test",
        CampaignStatus.SENT,
        3,
        "newsletter",
        ab_subjects=("Our autumn sale starts today", "{{ first_name }}, 30% off everything until Sunday"),
    ),
)
SMS_PLANS = (
    Plan("Appointment reminders: October", CampaignStatus.SENT, 35, "customer"),
    Plan("Black Friday SMS blast", CampaignStatus.SENT, 6, "vip"),
    Plan(
        "Cyber Monday SMS",
        CampaignStatus.FAILED,
        5,
        "customer",
        progress=0.04,
        reason="Twilio rejected the credentials (20003 Authenticate): check TWILIO_AUTH_TOKEN.",
    ),
    Plan("Survey follow-up", CampaignStatus.CANCELLED, 4, "customer", progress=0.25, reason="Cancelled by a marketer."),
    Plan("Store opening: Austin", CampaignStatus.PAUSED, 1.5, "customer", progress=0.4),
    Plan("Flash sale alert", CampaignStatus.SENDING, 0.15, "newsletter", progress=0.55),
    Plan("Holiday store hours", CampaignStatus.SCHEDULED, 0.1, "customer"),
    Plan("Loyalty points reminder", CampaignStatus.DRAFT, 0.02, "all"),
)
EMAIL_SUBJECTS = {
    "Spring collection preview": "{{ first_name }}, the spring collection is here",
    "Welcome series: week 1": "Welcome to Northwind, {{ first_name }}!",
    "November newsletter": "November at Northwind: trail notes and repairs",
    "Spring webinar invite": "Join our live gear clinic",
    "Weekend flash sale": "48 hours only: 25% off packs",
    "Black Friday early access": "VIP early access: Black Friday starts now",
    "Product update: trail app 2.0": "Offline maps are here",
    "Winter sale announcement": "The winter sale starts today",
    "Holiday gift guide": "Gifts for every kind of explorer",
    "Year in review 2026": "Your 2026 on the trail",
    "Win-back: lapsed customers": "We miss you, {{ first_name }}: 20% off your next trip",
    "Autumn sale: subject test": "Our autumn sale starts today",
}
SMS_BODIES = {
    "Appointment reminders: October": "Northwind: your gear fitting is tomorrow. Reply C to confirm. STOP to opt out.",
    "Black Friday SMS blast": "Northwind VIP: Black Friday is live, 30% off everything. Reply STOP to opt out.",
    "Cyber Monday SMS": "Northwind: Cyber Monday deals end tonight! Reply STOP to opt out.",
    "Survey follow-up": "Northwind: how was your last visit? 2 questions: example.com/s Reply STOP to opt out.",
    "Store opening: Austin": (
        "Northwind opens in Austin Saturday 10am, first 100 get a free mug! Reply STOP to opt out."
    ),
    "Flash sale alert": "Flash sale: 20% off rain jackets until midnight. Reply STOP to opt out.",
    "Holiday store hours": "Northwind holiday hours: open 9-6 Dec 24, closed Dec 25. Reply STOP to opt out.",
    "Loyalty points reminder": "Hi {{ first_name }}, you have points waiting at Northwind! Reply STOP to opt out.",
}

# What demo readers click, and how often (the top links chart).
DEMO_LINKS = (
    ("https://example.com/new", 50),
    ("https://example.com/sale", 25),
    ("https://example.com/guides/jacket-repair", 15),
    ("https://example.com/stores", 10),
)

# The workspace's topics (name, description), the campaigns about each (either channel; the others
# have no topic), and the share of subscribed contacts who left each one, per channel.
TOPICS = (
    ("Newsletter", "Trail notes, repair guides and stories from the shop, once a month."),
    ("Offers", "Sales, discount codes and early access for members."),
    ("Product updates", "What is new in the Northwind trail app."),
    ("Events", "Gear clinics, webinars and store openings near you."),
)
CAMPAIGN_TOPICS = {
    "Spring collection preview": "Newsletter",
    "November newsletter": "Newsletter",
    "Holiday gift guide": "Newsletter",
    "Year in review 2026": "Newsletter",
    "Weekend flash sale": "Offers",
    "Black Friday early access": "Offers",
    "Winter sale announcement": "Offers",
    "Win-back: lapsed customers": "Offers",
    "Black Friday SMS blast": "Offers",
    "Cyber Monday SMS": "Offers",
    "Flash sale alert": "Offers",
    "Product update: trail app 2.0": "Product updates",
    "Spring webinar invite": "Events",
    "Store opening: Austin": "Events",
}
TOPIC_LEAVERS = {
    ("email", "Offers"): 0.06,
    ("email", "Newsletter"): 0.03,
    ("email", "Events"): 0.02,
    ("sms", "Offers"): 0.05,
}
