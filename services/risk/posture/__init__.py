"""Posture: what the deployment gate and dashboards read about one AI system."""
