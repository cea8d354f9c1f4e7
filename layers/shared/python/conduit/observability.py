"""Logger and Metrics, created once and imported everywhere.

Service name, log level and metrics namespace come from the POWERTOOLS_* environment that the
CDK app (and the local stack) set from `conduit.resources.POWERTOOLS_ENV`.

There is no Powertools Tracer: it is built on the AWS X-Ray SDK, which has been in maintenance
mode since February 2026 (end of support February 2027), and importing it cost about 190 ms of
every cold start (it builds an X-Ray client at import). Lambda's active tracing (set in the CDK
app) still records each invocation's trace with its init and invocation time, and the Logger
stamps every line with that trace id (`xray_trace_id`).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
