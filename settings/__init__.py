"""The IntegrationSettings singleton: the switches admins flip."""
