"""Readiness: 200 once the database (migrated), the storage and the broker answer; 503 otherwise.

Unauthenticated on purpose (load balancers and `make run` poll it); it reveals only up/down.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from openbwv.config import get_settings
from openbwv.db.migrate import is_up_to_date
from openbwv.db.session import get_engine
from openbwv.jobs.celery_app import get_celery
from openbwv.storage.factory import originals

router = APIRouter(tags=["health"])
_pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="health")
CHECK_TIMEOUT = 5.0


def check_database() -> None:
    with get_engine().connect() as connection:
        connection.execute(text("SELECT 1"))
    if not is_up_to_date():
        raise RuntimeError("database schema is not at the latest migration (run: bwv db upgrade)")


def check_storage() -> None:
    originals().health()


def check_broker() -> None:
    if get_settings().database_queue:
        return  # the jobs table is the queue: the database check answers for it
    with get_celery().connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT)


CHECKS = {"database": check_database, "storage": check_storage, "broker": check_broker}


def run_checks() -> dict[str, str]:
    futures = {name: _pool.submit(check) for name, check in CHECKS.items()}
    results: dict[str, str] = {}
    for name, future in futures.items():
        try:
            future.result(timeout=CHECK_TIMEOUT)
            results[name] = "ok"
        except FutureTimeout:
            results[name] = "timeout"
        except Exception as exc:
            results[name] = f"error: {type(exc).__name__}"
    return results


@router.get("/api/v1/health", summary="Readiness of database, storage and broker")
def health() -> JSONResponse:
    results = run_checks()
    healthy = all(value == "ok" for value in results.values())
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status_code=200 if healthy else 503,
    )
