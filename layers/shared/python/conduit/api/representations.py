"""Domain objects as the JSON documents the RealWorld spec defines."""

from __future__ import annotations

from typing import Any

from conduit.profiles.service import Profile
from conduit.users.store import User


def user_document(user: User, token: str) -> dict[str, Any]:
    return {
        "user": {
            "email": user.email,
            "token": token,
            "username": user.username,
            "bio": user.bio,
            "image": user.image,
        }
    }


def profile(user: User, following: bool) -> dict[str, Any]:
    return {"username": user.username, "bio": user.bio, "image": user.image, "following": following}


def profile_document(found: Profile) -> dict[str, Any]:
    return {"profile": profile(found.user, found.following)}
