"""
The REST API (DRF): read the mirrors, the jobs and the log; ask for syncs; read and change the
settings and the field mappings. Requests that start work answer 202 with the job; refusals
answer 409 with the reason. Token or session auth, staff only, and each operation its own
permission (README "REST API"). The OpenAPI schema is at /api/schema/, its docs at /api/docs/.
"""
