"""What the management-system records share: approval by someone else, links into the log."""
