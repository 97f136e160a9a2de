"""The kernel: event store, projections, transparency log."""
