"""Register a user: a Cognito identity and a profile, both or neither."""

from conduit.api.app import ApiRequest, HttpResponse, Replay, json_response, lambda_handler
from conduit.api.parsing import parse_body
from conduit.api.representations import signed_in_document
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


def with_new_token(request: ApiRequest, kept: HttpResponse) -> HttpResponse:
    """A repeat carries the same credentials (its body matched the first): sign in again."""
    new = parse_body(request.body, NEW_USER)
    assert kept.body is not None
    session = service.session_for(new)
    tokens = {"token": session.access_token, "refreshToken": session.refresh_token}
    return json_response({"user": {**kept.body["user"], **tokens}}, kept.status)


handler = lambda_handler("RegisterUser", register, Replay(keep=without_token, answer=with_new_token))
