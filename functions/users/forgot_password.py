"""Ask for a password reset code: the same answer whatever the address."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.parsing import parse_body
from conduit.users import recovery
from conduit.users.models import PASSWORD_FORGOTTEN


def forgot_password(request: ApiRequest) -> HttpResponse:
    recovery.forgot(parse_body(request.body, PASSWORD_FORGOTTEN).email)
    return json_response({}, 202)


handler = lambda_handler("ForgotPassword", forgot_password)
