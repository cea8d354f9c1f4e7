"""Unfavorite an article (not having favorited it is not an error)."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.representations import article_document
from conduit.favorites import service


def unfavorite(request: ApiRequest) -> HttpResponse:
    view = service.favorite(request.path["slug"], request.require_caller().user_id, favorited=False)
    return json_response(article_document(view))


handler = lambda_handler("UnfavoriteArticle", unfavorite)
