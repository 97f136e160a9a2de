"""Platform: configuration, database pools, logging, the embedded PostgreSQL."""
