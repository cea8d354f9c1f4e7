"""Delete the current user's account, given its password (docs/api.md, "Deleting an account")."""

from conduit.api.app import ApiRequest, HttpResponse, lambda_handler, no_content
from conduit.api.parsing import parse_body
from conduit.users import deletion
from conduit.users.models import ACCOUNT_DELETION


def delete_current(request: ApiRequest) -> HttpResponse:
    caller = request.require_caller()
    deletion.delete(caller.user_id, parse_body(request.body, ACCOUNT_DELETION).password)
    return no_content()


handler = lambda_handler("DeleteCurrentUser", delete_current)
