"""MLflow webhook tests: signatures, redeliveries, claims, and a real MLflow server."""
