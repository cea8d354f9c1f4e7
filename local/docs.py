"""Swagger UI for `make dev`, at /api/docs, over the document the API serves at /api/openapi.json.

Its files come from the swagger-ui-bundle-v2 package (Swagger UI 5, which reads OpenAPI 3.1;
swagger-ui-bundle is stuck at 4.15), so the page works offline, with no CDN. The document
itself is an ordinary route (`GetOpenApiDocument`); the deployed API has no Swagger UI.
"""

from __future__ import annotations

import mimetypes
from functools import cached_property
from pathlib import Path

import jinja2
from swagger_ui_bundle import swagger_ui_path
from werkzeug.wrappers import Request, Response

DOCUMENT_PATH = "/api/openapi.json"
UI_PATH = "/api/docs"


class SwaggerUi:
    """Answers the Swagger UI page and its assets; None for any other request."""

    def __init__(self, files: Path = Path(str(swagger_ui_path)), document_url: str = DOCUMENT_PATH) -> None:
        self._files = files.resolve()
        self._document_url = document_url

    @cached_property
    def _page(self) -> str:
        template = jinja2.Template((self._files / "index.j2").read_text(encoding="utf-8"))
        page: str = template.render(openapi_spec_url=self._document_url)
        return page

    def answer(self, request: Request) -> Response | None:
        if request.method not in ("GET", "HEAD"):
            return None
        if request.path == UI_PATH:  # the page links its assets relative to its folder
            return Response(status=308, headers={"Location": f"{UI_PATH}/"})
        if not request.path.startswith(f"{UI_PATH}/"):
            return None
        name = request.path.removeprefix(f"{UI_PATH}/")
        if name == "":
            return Response(self._page, content_type="text/html; charset=utf-8")
        path = (self._files / name).resolve()
        if path.parent != self._files or not path.is_file() or path.suffix == ".j2":
            return None
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return Response(path.read_bytes(), content_type=content_type)
