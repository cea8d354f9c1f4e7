"""An article's comments, newest first."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.representations import comments_document
from conduit.comments import service


def list_comments(request: ApiRequest) -> HttpResponse:
    viewer = request.caller.user_id if request.caller else None
    return json_response(comments_document(service.list_comments(request.path["slug"], viewer)))


handler = lambda_handler("ListComments", list_comments)
