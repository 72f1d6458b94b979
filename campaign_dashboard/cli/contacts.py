"""GDPR commands for one contact, named by email or phone: `contact export` (a JSON file) and
`contact erase` (irreversible: asks for the address again unless `--yes`). Both are audited."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

from campaign_dashboard.cli.data import migrate_database
from campaign_dashboard.cli.registry import arg, command
from campaign_dashboard.config import get_settings

WHO = (
    arg("--email", help="the contact's email address"),
    arg("--phone", help="the contact's phone number (when it has no email, or to find it by phone)"),
)
ACTOR = "command line"


@command(
    "contact export",
    "Write everything held about one contact (GDPR export) as JSON, to --out or stdout.",
    *WHO,
    arg("--out", type=Path, help="the file to write (default: stdout)"),
)
def contact_export_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.db import session_scope
    from campaign_dashboard.services.accounts import audit
    from campaign_dashboard.services.audience import personal_data

    migrate_database(get_settings())
    with session_scope() as session:
        contact = personal_data.find_person(session=session, email=args.email, phone=args.phone)
        text = personal_data.export_json(session=session, contact=contact)
        audit.record(session, system=ACTOR, action=audit.CONTACT_EXPORT, object_type="contact", object_id=contact.id)
        session.commit()
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
        print(f"Wrote the data of contact {contact.id} to {args.out}.", file=sys.stderr)
    else:
        print(text)
    return 0


@command(
    "contact erase",
    "Erase one contact and every personal field about it (GDPR); its address stays suppressed. Irreversible.",
    *WHO,
    arg("--yes", action="store_true", help="do not ask to type the address again"),
)
def contact_erase_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.db import session_scope
    from campaign_dashboard.services.accounts import audit
    from campaign_dashboard.services.audience import erasure, personal_data

    migrate_database(get_settings())
    with session_scope() as session:
        contact = personal_data.find_person(session=session, email=args.email, phone=args.phone)
        if not args.yes:
            typed = input(f"Erasing contact {contact.id} cannot be undone. Type its address to confirm: ")
            erasure.check_confirmation(contact, typed)
        done = erasure.erase_contact(session=session, contact=contact)
        audit.record(
            session,
            system=ACTOR,
            action=audit.CONTACT_ERASE,
            object_type="contact",
            object_id=done.contact_id,
            detail=asdict(done),
        )
        session.commit()
    print(
        f"Erased contact {done.contact_id}: {done.messages} emails, {done.texts} texts, {done.events} events,"
        f" {done.replies} replies and {done.consent_entries} consent entries anonymised;"
        f" {' and '.join(done.channels) or 'no'} address kept suppressed as a hashed tombstone."
    )
    return 0
