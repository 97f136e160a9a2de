"""Registry service: AI system inventory, lifecycle, model versions, deployment gate."""
