"""Parts shared by the three aims services: event store, projections, auth, HTTP conventions."""
