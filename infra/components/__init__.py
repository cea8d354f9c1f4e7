"""The stack's building blocks: data (tables), identity (user pool), api (functions and routes)."""
