"""The security headers every answer carries, declared once here.

The API serves JSON to scripts and to frontends on other origins, never a page, so the policy
is the strictest there is: a browser that is somehow made to render an answer runs nothing,
loads nothing and frames nothing (`Content-Security-Policy`), never sniffs JSON into HTML
(`X-Content-Type-Options`), never tells another site which API URL a link came from
(`Referrer-Policy`), and talks to the API over HTTPS only for two years (`Strict-Transport-
Security`, which browsers honour only over HTTPS: the local stack's plain HTTP ignores it).

Two places apply them, both from here:
- the functions' response adapter (`conduit.api.app`), on every answer a function makes,
  refusals and 304s included, on every stage;
- on a stage with the edge, the CloudFront distribution's response headers policy
  (infra/components/edge.py), which also covers what API Gateway and CloudFront answer
  themselves (an unknown route, a throttled request, a WAF block).
The contract (contract/operations.py) declares them on every response.

Outside `conduit.api`, whose import pauses the garbage collector for a function's init.
"""

from __future__ import annotations

#: Two years, what the HSTS preload list asks for.
HSTS_MAX_AGE_SECONDS = 2 * 365 * 24 * 60 * 60
STRICT_TRANSPORT_SECURITY = f"max-age={HSTS_MAX_AGE_SECONDS}; includeSubDomains"
CONTENT_TYPE_OPTIONS = "nosniff"
REFERRER_POLICY = "no-referrer"
CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"

SECURITY_HEADERS: dict[str, str] = {
    "Strict-Transport-Security": STRICT_TRANSPORT_SECURITY,
    "X-Content-Type-Options": CONTENT_TYPE_OPTIONS,
    "Referrer-Policy": REFERRER_POLICY,
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}
