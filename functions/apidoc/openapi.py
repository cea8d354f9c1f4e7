"""The API's OpenAPI document (an extension): the copy the CDK app generated into this asset.

Generated at synth time from the route table and the request and response declarations
(`contract.openapi`), so it describes exactly the functions deployed beside it. Locally, the
gateway answers this path from the generator itself (local/docs.py).
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

from conduit.api.app import ApiRequest, HttpResponse, json_response, lambda_handler

#: Written here by infra.bundling when the code asset is built; not in the source tree.
DOCUMENT = Path(__file__).with_name("openapi.json")


@cache
def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return document


def get_document(request: ApiRequest) -> HttpResponse:
    return json_response(_document())


handler = lambda_handler("GetOpenApiDocument", get_document)
