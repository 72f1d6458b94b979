"""/api/v1/sms-campaigns"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/sms-campaigns", tags=["sms-campaigns"])
