"""Have Cognito send a new code to the email waiting for one (at most once a minute)."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.users import verification


def resend_email_code(request: ApiRequest) -> HttpResponse:
    caller = request.require_caller()
    verification.send_code(caller.user_id, caller.token)
    return json_response({}, 202)


handler = lambda_handler("ResendEmailCode", resend_email_code)
