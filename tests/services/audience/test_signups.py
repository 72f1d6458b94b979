"""The sign-up's promise to strangers, under concurrency: however many processes post the same
address at once, one confirmation email goes out in the hour (the claim on the pending row is one
conditional statement), on SQLite and PostgreSQL, through the real provider adapter and emulator."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlmodel import Session, select

from campaign_dashboard.config import EMULATOR_RESEND_KEY
from campaign_dashboard.models import PendingSignup, utcnow
from campaign_dashboard.providers.resend_email import ResendEmailProvider
from campaign_dashboard.ratelimit import DatabaseRateLimiter
from campaign_dashboard.services.audience.signups import (
    Limits,
    Mailer,
    SignupForm,
    request_signup,
    send_confirmation,
)

THREADS = 6


def test_simultaneous_sign_ups_for_one_address_send_one_confirmation(engine, emu, send_email):
    mailer = Mailer(
        provider=ResendEmailProvider(api_key=EMULATOR_RESEND_KEY, api_url=emu.url),
        from_email="Campaigns <campaigns@example.com>",
        base_url="https://campaigns.example.com",
    )
    limits = Limits(per_ip_per_hour=1000, per_email_per_hour=1000)
    limiter = DatabaseRateLimiter(engine)
    start = threading.Barrier(THREADS)
    sent: list[bool] = []

    def post(n: int) -> None:
        start.wait()
        with Session(engine, expire_on_commit=False) as session:
            form = SignupForm(email="Ann@Example.com", first_name=f"Ann {n}")
            claimed = request_signup(
                session=session, form=form, client_address=f"198.51.100.{n}", limiter=limiter, limits=limits
            )
            sent.append(claimed is not None and send_confirmation(session=session, confirmation=claimed, mailer=mailer))

    def race() -> None:
        sent.clear()
        threads = [threading.Thread(target=post, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    race()  # nobody had the address: one row, one email
    assert sorted(sent) == [False] * (THREADS - 1) + [True]
    assert len(emu.messages(to="ann@example.com")) == 1
    with Session(engine) as session:
        [row] = session.exec(select(PendingSignup)).all()
    assert row.email == "ann@example.com" and row.confirmation_sent_at is not None

    with Session(engine) as session:  # an hour later, the row's claim is raced for
        row = session.exec(select(PendingSignup)).one()
        row.confirmation_sent_at = utcnow() - timedelta(hours=2)
        session.add(row)
        session.commit()
    race()
    assert sorted(sent) == [False] * (THREADS - 1) + [True]
    assert len(emu.messages(to="ann@example.com")) == 2
