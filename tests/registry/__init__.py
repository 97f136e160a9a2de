"""Registry service tests: domain rules, API, MLflow webhook."""
