"""Change the current user's email, username, password, bio or image."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.parsing import parse_body
from conduit.api.representations import user_document
from conduit.users import service
from conduit.users.models import USER_CHANGES


def update_current(request: ApiRequest) -> HttpResponse:
    caller = request.require_caller()
    changes = parse_body(request.body, USER_CHANGES)
    return json_response(user_document(service.update(caller.user_id, changes), caller.token))


handler = lambda_handler("UpdateCurrentUser", update_current)
