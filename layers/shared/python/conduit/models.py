"""What every request model shares."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Strict types (a number where a string belongs is a 422, never coerced); unknown fields
    are ignored, as clients send extras; parsed requests are immutable."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)
