"""The caller's feed: articles by the authors they follow, newest first."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.representations import articles_document
from conduit.articles import service
from conduit.articles.paging import Paging


def feed(request: ApiRequest) -> HttpResponse:
    views, page = service.feed(Paging.from_query(request.query), request.require_caller().user_id)
    return json_response(articles_document(views, page))


handler = lambda_handler("FeedArticles", feed)
