"""One article by slug."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.representations import article_document
from conduit.articles import service


def get_article(request: ApiRequest) -> HttpResponse:
    viewer = request.caller.user_id if request.caller else None
    return json_response(article_document(service.get(request.path["slug"], viewer)))


handler = lambda_handler("GetArticle", get_article)
