"""Benchmarks of aims against its peers and against PostgreSQL itself, measured in one run."""
