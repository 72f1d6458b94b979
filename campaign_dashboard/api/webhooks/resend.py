"""Webhook routes: resend."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["webhooks"])
