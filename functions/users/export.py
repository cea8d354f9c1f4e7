"""A copy of everything the current user's account holds (docs/api.md, "Your data")."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.users import export as exporting


def export(request: ApiRequest) -> HttpResponse:
    caller = request.require_caller()
    found = exporting.export(caller.user_id, request.query.get("part"), request.query.get("cursor"))
    return json_response(found.document())


handler = lambda_handler("ExportCurrentUser", export)
