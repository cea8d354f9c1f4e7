"""Follow a user (idempotent)."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.representations import profile_document
from conduit.profiles import service


def follow(request: ApiRequest) -> HttpResponse:
    caller = request.require_caller()
    return json_response(
        profile_document(service.set_following(request.path["username"], caller.user_id, following=True))
    )


handler = lambda_handler("FollowUser", follow)
