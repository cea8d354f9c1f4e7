"""Set a new password with the code sent to the address; answers a fresh sign-in."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.parsing import parse_body
from conduit.api.representations import signed_in_document
from conduit.users import recovery
from conduit.users.models import PASSWORD_RESET


def reset_password(request: ApiRequest) -> HttpResponse:
    sent = parse_body(request.body, PASSWORD_RESET)
    done = recovery.reset(sent.email, sent.code, sent.password)
    return json_response(signed_in_document(done.user, done.session))


handler = lambda_handler("ResetPassword", reset_password)
