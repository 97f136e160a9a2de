"""Integrity: chain verification, signed checkpoints, audit packs and their offline check."""
