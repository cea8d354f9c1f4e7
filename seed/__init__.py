"""`make seed`: a small, realistic, deterministic demo world put into a running Conduit API
(`make dev`, or a deployed stage) through its public HTTP endpoints only."""
