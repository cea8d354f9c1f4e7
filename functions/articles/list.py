"""Articles, newest first, filtered by tag, author and favoriter (alone or combined)."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.representations import articles_document
from conduit.articles import service
from conduit.articles.paging import Paging


def list_articles(request: ApiRequest) -> HttpResponse:
    query = request.query
    views, page = service.list_articles(
        Paging.from_query(query),
        request.caller.user_id if request.caller else None,
        tag=query.get("tag"),
        author=query.get("author"),
        favorited_by=query.get("favorited"),
    )
    return json_response(articles_document(views, page))


handler = lambda_handler("ListArticles", list_articles)
