"""Unfollow a user (idempotent)."""

from aws_lambda_powertools.event_handler import Response

from conduit.api.app import ApiRequest, json_response, lambda_handler
from conduit.api.representations import profile_document
from conduit.profiles import service


def unfollow(request: ApiRequest) -> Response[str]:
    caller = request.require_caller()
    return json_response(profile_document(service.unfollow(request.path["username"], caller.user_id)))


handler = lambda_handler("UnfollowUser", unfollow)
