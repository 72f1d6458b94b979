"""/api/v1/contacts"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/contacts", tags=["contacts"])
