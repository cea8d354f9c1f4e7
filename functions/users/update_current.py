"""Change the current user's email, username, password, bio or image."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.parsing import parse_body
from conduit.api.representations import user_document
from conduit.users import service


def update_current(request: ApiRequest) -> HttpResponse:
    from conduit.users.models import UserChanges  # at first request: conduit.api.parsing

    caller = request.require_caller()
    changes = parse_body(request.body, "user", UserChanges)
    return json_response(user_document(service.update(caller.user_id, changes), caller.token))


handler = lambda_handler("UpdateCurrentUser", update_current)
