"""Domain objects as the JSON documents the RealWorld spec defines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only types: a user function must not import the article modules
    from conduit.articles.reading import ArticleView
    from conduit.cards import Author
    from conduit.comments.service import CommentView
    from conduit.listings.store import Page
    from conduit.profiles.service import Profile
    from conduit.users.identity import Session
    from conduit.users.store import User


def user_document(user: User, token: str, refresh_token: str | None = None) -> dict[str, Any]:
    """The spec's user; with a sign-in's refresh token (an extension) when it has just made one."""
    document: dict[str, Any] = {
        "email": user.email,
        "token": token,
        "username": user.username,
        "bio": user.bio,
        "image": user.image,
        "emailVerified": user.email_verified,
    }
    if refresh_token is not None:
        document["refreshToken"] = refresh_token
    return {"user": document}


def signed_in_document(user: User, session: Session) -> dict[str, Any]:
    return user_document(user, session.access_token, session.refresh_token)


def profile(user: User | Author, following: bool) -> dict[str, Any]:
    return {"username": user.username, "bio": user.bio, "image": user.image, "following": following}


def profile_document(found: Profile) -> dict[str, Any]:
    return {"profile": profile(found.user, found.following)}


def article(view: ArticleView, with_body: bool = True) -> dict[str, Any]:
    found = view.article
    document: dict[str, Any] = {
        "slug": found.slug,
        "title": found.title,
        "description": found.description,
    }
    if with_body:
        document["body"] = view.body
    document.update(
        {
            "tagList": list(found.tags),
            "createdAt": found.created_at,
            "updatedAt": found.updated_at,
            "favorited": view.favorited,
            "favoritesCount": found.favorites_count,
            "author": profile(found.author, view.following),
        }
    )
    return document


def article_document(view: ArticleView) -> dict[str, Any]:
    return {"article": article(view)}


def articles_document(views: list[ArticleView], page: Page) -> dict[str, Any]:
    """A page of articles without bodies (as the spec lists them since 2024), with the total
    and, as an extension, a cursor for the next page when there is one."""
    document: dict[str, Any] = {
        "articles": [article(view, with_body=False) for view in views],
        "articlesCount": page.total,
    }
    if page.next_cursor:
        document["nextCursor"] = page.next_cursor
    return document


def comment(view: CommentView) -> dict[str, Any]:
    found = view.comment
    return {
        "id": found.comment_id,
        "createdAt": found.created_at,
        "updatedAt": found.updated_at,
        "body": found.body,
        "author": profile(view.author, view.following),
    }


def comment_document(view: CommentView) -> dict[str, Any]:
    return {"comment": comment(view)}


def comments_document(views: list[CommentView]) -> dict[str, Any]:
    return {"comments": [comment(view) for view in views]}


def tags_document(tags: list[str]) -> dict[str, Any]:
    return {"tags": tags}
