"""End every session of the caller (sign out everywhere)."""

from conduit.api.app import ApiRequest, HttpResponse, lambda_handler, no_content
from conduit.users import service


def end_sessions(request: ApiRequest) -> HttpResponse:
    service.sign_out_everywhere(request.require_caller().user_id)
    return no_content()


handler = lambda_handler("EndAllSessions", end_sessions)
