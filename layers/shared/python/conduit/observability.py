"""Logger, Tracer and Metrics, created once and imported everywhere.

Service name, log level and metrics namespace come from the POWERTOOLS_* environment that the
CDK app (and the local stack) set from `conduit.resources.POWERTOOLS_ENV`.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
