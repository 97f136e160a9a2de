"""The Python SDK for aims' HTTP API."""
