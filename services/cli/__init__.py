"""The `aims` command and the demo: applications above the services."""
