"""Comment on an article."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.parsing import parse_body
from conduit.api.representations import comment_document
from conduit.articles.models import NEW_COMMENT
from conduit.comments import service


def add(request: ApiRequest) -> HttpResponse:
    new = parse_body(request.body, NEW_COMMENT)
    view = service.add(request.path["slug"], request.require_caller().user_id, new.body)
    return json_response(comment_document(view))


handler = lambda_handler("AddComment", add)
