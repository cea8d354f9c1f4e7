"""A profile by username; `following` is the caller's view, false when anonymous."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.representations import profile_document
from conduit.profiles import service


def get_profile(request: ApiRequest) -> HttpResponse:
    viewer = request.caller.user_id if request.caller else None
    return json_response(profile_document(service.get(request.path["username"], viewer)))


handler = lambda_handler("GetProfile", get_profile)
