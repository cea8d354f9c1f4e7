"""Register a user: a Cognito identity and a profile, both or neither."""

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler
from conduit.api.parsing import parse_body
from conduit.api.representations import user_document
from conduit.observability import metrics
from conduit.users import service


def register(request: ApiRequest) -> HttpResponse:
    from conduit.users.models import NewUser  # at first request: conduit.api.parsing

    signed_in = service.register(parse_body(request.body, "user", NewUser))
    metrics.add_metric(name="UserRegistered", unit="Count", value=1)
    return json_response(user_document(signed_in.user, signed_in.token), 201)


handler = lambda_handler("RegisterUser", register)
