"""/api/v1/email-campaigns"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/email-campaigns", tags=["email-campaigns"])
