"""A pure domain base: aggregates, domain events, domain errors, the repository."""
