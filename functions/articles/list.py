"""Articles, newest first, filtered by tag, author and favoriter (alone or combined)."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.representations import articles_document
from conduit.articles import service
from conduit.articles.paging import Filters, Paging


def list_articles(request: ApiRequest) -> HttpResponse:
    paging, filters = Paging.from_query(request.query), Filters.from_query(request.query)
    views, page = service.list_articles(
        paging,
        request.caller.user_id if request.caller else None,
        tag=filters.tag,
        author=filters.author,
        favorited_by=filters.favorited,
    )
    return json_response(articles_document(views, page))


handler = lambda_handler("ListArticles", list_articles)
