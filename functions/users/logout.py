"""End the session of the token the request carries."""

from conduit.api.app import ApiRequest, HttpResponse, lambda_handler, no_content
from conduit.users import service


def logout(request: ApiRequest) -> HttpResponse:
    caller = request.require_caller()
    service.logout(caller.user_id, caller.claims)
    return no_content()


handler = lambda_handler("Logout", logout)
