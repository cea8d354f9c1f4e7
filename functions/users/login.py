"""Sign in with email and password; the token is a Cognito access token."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.parsing import parse_body
from conduit.api.representations import signed_in_document
from conduit.users import service
from conduit.users.models import LOGIN_USER


def login(request: ApiRequest) -> HttpResponse:
    signed_in = service.login(parse_body(request.body, LOGIN_USER))
    return json_response(signed_in_document(signed_in.user, signed_in.session))


handler = lambda_handler("LoginUser", login)
