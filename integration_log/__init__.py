"""The integration log: one entry per sync attempt, searchable from Django admin."""
