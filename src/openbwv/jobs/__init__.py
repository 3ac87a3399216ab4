"""Background jobs on Celery: an outbox of job rows, idempotent handlers, a sweeper."""
