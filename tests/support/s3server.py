"""A real-HTTP S3 endpoint for tests, usable from any conftest or test module.

`s3_endpoint()` returns `BWV_TEST_S3_URL` when it is set (MinIO, Ceph RGW, AWS), otherwise the URL
of one moto server started on first use for the whole test session and stopped at exit. The moto
server keeps its state in moto's process-wide backends: a test that uses moto's in-process
`mock_aws` resets those backends when it ends, so create buckets per module (or per test), never
once per session.

Credentials: `BWV_TEST_S3_ACCESS_KEY_ID` / `BWV_TEST_S3_SECRET_ACCESS_KEY` for an external endpoint;
moto accepts anything.

`rgw_settings_kwargs()`: a Ceph RADOS Gateway, when `BWV_TEST_RGW_URL` (with
`BWV_TEST_RGW_ACCESS_KEY_ID` / `BWV_TEST_RGW_SECRET_ACCESS_KEY`) says where one runs
(`scripts/ceph-rgw.sh start`; `.ci/run` starts one). It enforces Object Lock, which moto does not:
tests that prove a WORM claim run on it. Unset, those tests are not collected (CI always sets it).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import uuid
from typing import Any

_lock = threading.Lock()
_server: Any = None
_url: str | None = None


def s3_endpoint() -> str:
    external = os.environ.get("BWV_TEST_S3_URL")
    if external:
        return external
    global _server, _url
    with _lock:
        if _url is None:
            from moto.server import ThreadedMotoServer

            logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            server.start()
            host, port = server.get_host_and_port()
            _server, _url = server, f"http://{host}:{port}"
            atexit.register(_stop)
        return _url


def s3_credentials() -> tuple[str, str]:
    return (
        os.environ.get("BWV_TEST_S3_ACCESS_KEY_ID", "testing"),
        os.environ.get("BWV_TEST_S3_SECRET_ACCESS_KEY", "testing"),
    )


def s3_settings_kwargs() -> dict[str, Any]:
    """Keyword arguments for `openbwv.config.Settings` pointing at the test endpoint."""
    key_id, secret = s3_credentials()
    return {
        "s3_endpoint_url": s3_endpoint(),
        "s3_region": os.environ.get("BWV_TEST_S3_REGION", "us-east-1"),
        "s3_access_key_id": key_id,
        "s3_secret_access_key": secret,
    }


RGW_URL = os.environ.get("BWV_TEST_RGW_URL")


def rgw_settings_kwargs() -> dict[str, Any]:
    """Keyword arguments for `openbwv.config.Settings` pointing at the Ceph RADOS Gateway."""
    assert RGW_URL, "BWV_TEST_RGW_URL is not set (scripts/ceph-rgw.sh start)"
    return {
        "s3_endpoint_url": RGW_URL,
        "s3_region": "us-east-1",
        "s3_access_key_id": os.environ["BWV_TEST_RGW_ACCESS_KEY_ID"],
        "s3_secret_access_key": os.environ["BWV_TEST_RGW_SECRET_ACCESS_KEY"],
    }


def unique_bucket(label: str = "bwv-test") -> str:
    """A fresh, DNS-safe bucket name."""
    return f"{label}-{uuid.uuid4().hex[:16]}"


def _stop() -> None:
    global _server, _url
    with _lock:
        if _server is not None:
            _server.stop()
        _server, _url = None, None
