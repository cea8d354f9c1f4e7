"""Delete a comment (its author only)."""

from conduit.api.app import ApiRequest, HttpResponse, lambda_handler, no_content
from conduit.comments import service


def delete(request: ApiRequest) -> HttpResponse:
    service.delete(request.path["slug"], request.path["id"], request.require_caller().user_id)
    return no_content()


handler = lambda_handler("DeleteComment", delete)
