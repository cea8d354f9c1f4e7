"""Swagger UI at /api/docs on the local stack, from the swagger-ui-bundle-v2 package."""

from __future__ import annotations

import pytest
from swagger_ui_bundle import swagger_ui_path
from werkzeug.test import Client

from local.gateway import LocalGateway


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(LocalGateway())


def test_the_docs_folder_redirects_to_its_page(client: Client) -> None:
    response = client.get("/api/docs")

    assert response.status_code == 308
    assert response.headers["Location"] == "/api/docs/"


def test_the_page_loads_swagger_ui_5_from_beside_it_and_the_document_from_the_api(client: Client) -> None:
    page = client.get("/api/docs/").get_data(as_text=True)

    assert 'src="./swagger-ui-bundle.js"' in page
    assert 'url: "/api/openapi.json"' in page
    assert swagger_ui_path.name.startswith("swagger-ui-5.")  # 5.x reads OpenAPI 3.1


def test_the_page_s_assets_are_served(client: Client) -> None:
    response = client.get("/api/docs/swagger-ui.css")

    assert response.status_code == 200
    assert response.content_type.startswith("text/css")


@pytest.mark.parametrize("name", ["index.j2", "nothing.js", "../__init__.py", "%2e%2e/__init__.py"])
def test_nothing_else_is_served_from_the_docs_folder(client: Client, name: str) -> None:
    assert client.get(f"/api/docs/{name}").status_code == 404
