"""The tags in use, most used first."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.representations import tags_document
from conduit.tags import service


def list_tags(request: ApiRequest) -> HttpResponse:
    return json_response(tags_document(service.most_used()))


handler = lambda_handler("ListTags", list_tags)
