"""The MLflow model-registry webhook: signature check, payload translation, dedup."""
