"""Publish an article; its slug comes from the title."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.parsing import parse_body
from conduit.api.representations import article_document
from conduit.articles import service
from conduit.articles.models import NEW_ARTICLE
from conduit.observability import metrics


def create(request: ApiRequest) -> HttpResponse:
    new = parse_body(request.body, NEW_ARTICLE)
    view = service.create(request.require_caller().user_id, new, request.idempotency_key)
    metrics.add_metric(name="ArticleCreated", unit="Count", value=1)
    return json_response(article_document(view), 201)


handler = lambda_handler("CreateArticle", create)
