"""The HTTP API's payload-2.0 event, read as far as a request needs it.

Read here rather than through Powertools' `APIGatewayProxyEventV2` because of cold start: that
class lives in `aws_lambda_powertools.utilities.data_classes`, whose package imports every event
class Powertools has (ALB, Kinesis, S3, Cognito triggers, ...), about 10 ms of every init
(bench/coldstart.py, docs/architecture.md#cold-start) for the few fields read below. The fields
mean what they mean in Powertools: headers by lower-case name, path and query parameters
(missing is empty), the body decoded from base64 when API Gateway encoded it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HttpEvent:
    headers: dict[str, str]
    path_parameters: dict[str, str]
    query_string_parameters: dict[str, str]
    body: str | None
    is_base64_encoded: bool
    #: API Gateway's id of the request: the correlation id of its log lines (`X-Request-Id`).
    request_id: str

    @classmethod
    def of(cls, event: dict[str, Any]) -> HttpEvent:
        return cls(
            # API Gateway sends them lower-cased already; a test or tool might not.
            headers={name.lower(): value for name, value in (event.get("headers") or {}).items()},
            path_parameters=dict(event.get("pathParameters") or {}),
            query_string_parameters=dict(event.get("queryStringParameters") or {}),
            body=event.get("body"),
            is_base64_encoded=bool(event.get("isBase64Encoded")),
            request_id=str((event.get("requestContext") or {}).get("requestId", "")),
        )

    @property
    def decoded_body(self) -> str | None:
        """The body as text; raises ValueError (UnicodeDecodeError, bad base64) when it is not."""
        if self.is_base64_encoded and self.body:
            return base64.b64decode(self.body.encode()).decode()
        return self.body
