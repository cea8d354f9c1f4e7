"""Register a user: a Cognito identity and a profile, both or neither."""

from typing import Any

from conduit.api.app import ApiRequest, HttpResponse, Replay, json_response, lambda_handler
from conduit.api.parsing import parse_body
from conduit.api.representations import signed_in_document
from conduit.errors import Unauthorized, ValidationFailed
from conduit.observability import metrics
from conduit.users import service
from conduit.users.models import NEW_USER


def register(request: ApiRequest) -> HttpResponse:
    signed_in = service.register(parse_body(request.body, NEW_USER))
    metrics.add_metric(name="UserRegistered", unit="Count", value=1)
    return json_response(signed_in_document(signed_in.user, signed_in.session), 201)


def without_token(response: HttpResponse) -> HttpResponse:
    """What is kept for an `Idempotency-Key` repeat: never a bearer or refresh token."""
    assert response.body is not None
    user = {k: v for k, v in response.body["user"].items() if k not in ("token", "refreshToken")}
    return HttpResponse(response.status, {"user": user})


def without_password(body: Any) -> Any:
    """What a repeat is compared by: the username and email as sent, never the password, so the
    kept record holds no hash of it (a hash of an 8-character password falls to guessing). The
    repeat's password is checked by signing in with it (`with_new_token`). A body of another
    shape is refused by the view, and nothing is kept for it."""
    user = body.get("user") if isinstance(body, dict) else None
    if not isinstance(user, dict):
        return None
    return {"user": {"username": user.get("username"), "email": user.get("email")}}


def with_new_token(request: ApiRequest, kept: HttpResponse) -> HttpResponse:
    """A repeat with the same username and email signs in again with the password it carries:
    the first answer with fresh tokens, or, when that password is not the account's, the 422
    another body gets (never the first answer's user: it proves nothing of the repeat)."""
    from conduit.api import idempotency  # loaded already: a repeat came through it

    new = parse_body(request.body, NEW_USER)
    assert kept.body is not None
    try:
        session = service.session_for(new)
    except Unauthorized:
        raise ValidationFailed.on(idempotency.HEADER, idempotency.REUSED) from None
    tokens = {"token": session.access_token, "refreshToken": session.refresh_token}
    return json_response({"user": {**kept.body["user"], **tokens}}, kept.status)


handler = lambda_handler(
    "RegisterUser",
    register,
    Replay(keep=without_token, answer=with_new_token, compared=without_password),
)
