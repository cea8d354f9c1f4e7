"""The current user, with the token it called with."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.representations import user_document
from conduit.users import service


def get_current(request: ApiRequest) -> HttpResponse:
    caller = request.require_caller()
    return json_response(user_document(service.current(caller.user_id), caller.token))


handler = lambda_handler("GetCurrentUser", get_current)
