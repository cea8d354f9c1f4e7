"""Register a user: a Cognito identity and a profile, both or neither."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.parsing import parse_body
from conduit.api.representations import user_document
from conduit.observability import metrics
from conduit.users import service
from conduit.users.models import NEW_USER


def register(request: ApiRequest) -> HttpResponse:
    signed_in = service.register(parse_body(request.body, NEW_USER))
    metrics.add_metric(name="UserRegistered", unit="Count", value=1)
    return json_response(user_document(signed_in.user, signed_in.token), 201)


handler = lambda_handler("RegisterUser", register)
