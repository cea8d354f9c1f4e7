"""Confirm the caller's email, or the new one waiting for it, with the code Cognito sent."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.parsing import parse_body
from conduit.api.representations import user_document
from conduit.users import verification
from conduit.users.models import EMAIL_CONFIRMATION


def confirm_email(request: ApiRequest) -> HttpResponse:
    caller = request.require_caller()
    code = parse_body(request.body, EMAIL_CONFIRMATION).code
    user = verification.confirm_email(caller.user_id, caller.token, caller.claims, code)
    return json_response(user_document(user, caller.token))


handler = lambda_handler("ConfirmEmail", confirm_email)
