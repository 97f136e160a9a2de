"""HTTP conventions shared by all services (ARCHITECTURE.md, "HTTP conventions")."""
