"""Delete an article (its author only)."""

from conduit.api.app import ApiRequest, HttpResponse, lambda_handler, no_content
from conduit.articles import service


def delete(request: ApiRequest) -> HttpResponse:
    service.delete(request.path["slug"], request.require_caller().user_id)
    return no_content()


handler = lambda_handler("DeleteArticle", delete)
