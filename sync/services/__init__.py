"""
What the sync does, one module per job: push, link, opportunities, update_from_netsuite,
writeback, inbound; attempts writes what every attempt leaves behind. Import the module you
need: this package re-exports nothing.
"""
