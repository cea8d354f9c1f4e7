"""Exchange a refresh token for a fresh access token (an extension)."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.parsing import parse_body
from conduit.api.representations import signed_in_document
from conduit.users import service
from conduit.users.models import REFRESH_REQUEST


def refresh(request: ApiRequest) -> HttpResponse:
    signed_in = service.refresh(parse_body(request.body, REFRESH_REQUEST).refreshToken)
    return json_response(signed_in_document(signed_in.user, signed_in.session))


handler = lambda_handler("RefreshToken", refresh)
