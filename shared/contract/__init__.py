"""The contract between the services: event types, Annex A, default criteria, data."""
