"""The stack's building blocks: data (tables), identity (user pool), runtime and api (functions
and routes), workers (stream functions and their queues), monitoring (alarms and dashboard)."""
