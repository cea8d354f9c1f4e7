"""Change the current user's email, username, password, bio or image."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.parsing import parse_body
from conduit.api.representations import signed_in_document, user_document
from conduit.users import service
from conduit.users.models import USER_CHANGES


def update_current(request: ApiRequest) -> HttpResponse:
    caller = request.require_caller()
    changed = service.update(caller.user_id, parse_body(request.body, USER_CHANGES))
    if changed.session is not None:  # a new password ended the caller's session: its successor
        return json_response(signed_in_document(changed.user, changed.session))
    return json_response(user_document(changed.user, caller.token))


handler = lambda_handler("UpdateCurrentUser", update_current)
