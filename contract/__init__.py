"""The API's OpenAPI 3.1 contract, generated from the route table and the request shapes.

Used by the local stack, the CDK app (which ships the generated document) and the tests; no
function imports it, so it costs no cold start (tests/test_cold_start_imports.py).
"""
