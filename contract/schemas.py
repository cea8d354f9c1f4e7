"""What the API answers, as JSON Schema: the one description `conduit.api.representations` is
checked against (every response the API tests receive is validated against these).

The objects are closed (`additionalProperties: false`): the API sends exactly these fields, so
a field added to a representation without being added here fails the tests. Request bodies
are not here: they come from their declarations in `conduit.validation` shapes.
"""

from __future__ import annotations

from typing import Any

JsonSchema = dict[str, Any]


def ref(name: str) -> JsonSchema:
    return {"$ref": f"#/components/schemas/{name}"}


def closed(properties: dict[str, JsonSchema], *, optional: tuple[str, ...] = ()) -> JsonSchema:
    """An object with exactly these properties, all required but `optional`."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


_NULLABLE_TEXT: JsonSchema = {"type": ["string", "null"]}
_TIMESTAMP: JsonSchema = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601, UTC, with milliseconds: 2026-11-23T22:55:00.123Z",
}

_ARTICLE_FIELDS: dict[str, JsonSchema] = {
    "slug": {"type": "string"},
    "title": {"type": "string"},
    "description": {"type": "string"},
    "body": {"type": "string"},
    "tagList": {"type": "array", "items": {"type": "string"}},
    "createdAt": _TIMESTAMP,
    "updatedAt": _TIMESTAMP,
    "favorited": {"type": "boolean"},
    "favoritesCount": {"type": "integer", "minimum": 0},
    "author": ref("Profile"),
}

#: The objects the API's documents are made of, by their RealWorld names.
OBJECTS: dict[str, JsonSchema] = {
    "User": closed(
        {
            "email": {"type": "string"},
            "token": {"type": "string", "description": "The access token to send as `Token <jwt>`"},
            "username": {"type": "string"},
            "bio": _NULLABLE_TEXT,
            "image": _NULLABLE_TEXT,
            "emailVerified": {
                "type": "boolean",
                "description": "Extension: whether the email was confirmed with the code sent to it "
                "(`POST /api/user/email/confirm`); a new email set with `PUT /api/user` waits for "
                "its code, and `email` stays the old one until then",
            },
            "refreshToken": {
                "type": "string",
                "description": "Extension, on a sign-in (registration, login, token renewal, new "
                "password): renews the token at `POST /api/users/token` until its session ends",
            },
        },
        optional=("refreshToken",),
    ),
    "Profile": closed(
        {
            "username": {"type": "string"},
            "bio": _NULLABLE_TEXT,
            "image": _NULLABLE_TEXT,
            "following": {"type": "boolean", "description": "Whether the caller follows them"},
        }
    ),
    "Article": closed(_ARTICLE_FIELDS),
    # List pages carry every field of an article but its body (the spec since 2024-08).
    "ArticleSummary": closed({k: v for k, v in _ARTICLE_FIELDS.items() if k != "body"}),
    "Comment": closed(
        {
            "id": {"type": "integer", "minimum": 1},
            "createdAt": _TIMESTAMP,
            "updatedAt": _TIMESTAMP,
            "body": {"type": "string"},
            "author": ref("Profile"),
        }
    ),
}

_NAMES: JsonSchema = {"type": "array", "items": {"type": "string"}}
_EXPORT_PARTS = ("articles", "comments", "favorites", "following", "followers")

#: What `GET /api/user/export` answers: everything an account holds, a page of each part.
EXPORT_OBJECTS: dict[str, JsonSchema] = {
    "UserExport": closed(
        {
            "profile": closed(
                {
                    "username": {"type": "string"},
                    "email": {"type": "string"},
                    "bio": _NULLABLE_TEXT,
                    "image": _NULLABLE_TEXT,
                    "createdAt": _TIMESTAMP,
                }
            ),
            "articles": {
                "type": "array",
                "items": closed(
                    {
                        k: v
                        for k, v in _ARTICLE_FIELDS.items()
                        if k not in ("favorited", "favoritesCount", "author")
                    }
                ),
            },
            "comments": {
                "type": "array",
                "items": closed(
                    {
                        "id": {"type": "integer", "minimum": 1},
                        "article": {
                            "type": ["string", "null"],
                            "description": "The slug of the article it is on (null: deleted since)",
                        },
                        "body": {"type": "string"},
                        "createdAt": _TIMESTAMP,
                    }
                ),
            },
            "favorites": {**_NAMES, "description": "Slugs of the articles favorited"},
            "following": {**_NAMES, "description": "Usernames of those followed"},
            "followers": {**_NAMES, "description": "Usernames of the followers"},
            "complete": {"type": "boolean", "description": "Whether every part is here in full"},
            "next": {
                "type": "object",
                "description": "Per part with more: the `cursor` to ask for it with `?part=<part>`",
                "properties": {part: {"type": "string"} for part in _EXPORT_PARTS},
                "additionalProperties": False,
            },
        }
    ),
}

#: The documents operations answer, each one object under its wrapper key.
DOCUMENTS: dict[str, JsonSchema] = {
    "UserResponse": closed({"user": ref("User")}),
    "ProfileResponse": closed({"profile": ref("Profile")}),
    "SingleArticleResponse": closed({"article": ref("Article")}),
    "MultipleArticlesResponse": closed(
        {
            "articles": {"type": "array", "items": ref("ArticleSummary")},
            "articlesCount": {
                "type": "integer",
                "minimum": 0,
                "description": "How many articles match, over all pages",
            },
            "nextCursor": {
                "type": "string",
                "description": "Extension: present when more articles follow; pass it back as "
                "`?cursor=` for the next page, at constant cost however deep",
            },
        },
        optional=("nextCursor",),
    ),
    "UserExportResponse": closed({"export": ref("UserExport")}),
    "SingleCommentResponse": closed({"comment": ref("Comment")}),
    # A request taken, with nothing to show yet (a code is on its way): `{}`.
    "AcceptedResponse": closed({}),
    "MultipleCommentsResponse": closed({"comments": {"type": "array", "items": ref("Comment")}}),
    "TagsResponse": closed({"tags": {"type": "array", "items": {"type": "string"}}}),
    # The spec's error shape: a frontend shows `<field> <message>`.
    "GenericErrorModel": closed(
        {
            "errors": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            }
        }
    ),
    # What API Gateway itself answers (unknown route, payload too large, throttled): no operation's.
    "GatewayError": closed({"message": {"type": "string"}}),
    "OpenApiDocument": {
        "type": "object",
        "required": ["openapi", "info", "paths"],
        "description": "An OpenAPI 3.1 document: this one",
    },
}

SCHEMAS: dict[str, JsonSchema] = {**OBJECTS, **EXPORT_OBJECTS, **DOCUMENTS}
