"""The sync engine: mappings, the outbox, rules, services, tasks, webhooks, clients, emulators."""
