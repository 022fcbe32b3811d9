"""
Local emulators of Salesforce and NetSuite that speak the vendors' wire formats (docs/wire.md),
for development and tests. Product code never imports them.

They share no code with sync.clients: a client bug must be caught here, not mirrored.
"""
