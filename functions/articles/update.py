"""Change an article's title, description or body; a new title means a new slug."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.parsing import parse_body
from conduit.api.representations import article_document
from conduit.articles import service
from conduit.articles.models import ARTICLE_CHANGES


def update(request: ApiRequest) -> HttpResponse:
    caller = request.require_caller()
    changes = parse_body(request.body, ARTICLE_CHANGES)
    return json_response(article_document(service.update(request.path["slug"], caller.user_id, changes)))


handler = lambda_handler("UpdateArticle", update)
