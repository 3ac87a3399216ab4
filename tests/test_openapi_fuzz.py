"""The OpenAPI description is true: schemathesis generates requests for every operation from
/api/openapi.json and sends them to the live server with the tokens of three roles (an officer,
an auditor and an administrator) and with none. No answer may be a server error, and every answer
must match what the description says (status, content type, headers and body schema).

Bounded so the file runs in about a minute: a few examples per operation, no shrinking, no
deadline. Nothing is excluded: `EXCLUDED` names any operation left out, with the reason."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.stack import Stack

EXCLUDED: dict[str, str] = {}  # "METHOD /path": why it is not fuzzed (none are, at present)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 4
# tus PATCH bodies are raw bytes under their own media type
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
ROLES = ("officer", "auditor", "administrator")
# The fuzzer's own loopback address: its thousands of bad sign-ins must not lock the address the
# rest of the suite signs in from (sign-ins are limited per address: 20 failures a window).
FUZZ_ADDRESS = "127.0.0.77"


class _FromFuzzAddress(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (FUZZ_ADDRESS, 0)
        super().init_poolmanager(*args, **kwargs)


def _fuzz_session() -> requests.Session:
    session = requests.Session()
    session.mount("http://", _FromFuzzAddress())
    return session


@pytest.fixture(scope="session")
def role_tokens(stack: Stack) -> dict[str, str]:
    tokens = {role: stack.user_token(stack.user(role, borough="E09000033")) for role in ROLES}
    tokens["anonymous"] = ""
    return tokens


@pytest.fixture(scope="session")
def openapi_schema(live_server: str) -> Any:
    loaded = schemathesis.openapi.from_url(f"{live_server}/api/openapi.json")
    return loaded.exclude(
        func=lambda ctx: f"{ctx.operation.method.upper()} {ctx.operation.path}" in EXCLUDED
    )


def test_every_operation_is_fuzzed(openapi_schema: Any) -> None:
    """The description lists every API operation (a sanity bound: the suite is not vacuous)."""
    operations = [result.ok() for result in openapi_schema.get_all_operations()]
    assert len(operations) > 80
    assert all(" " in key for key in EXCLUDED)


def _fuzz(operation: Any, base_url: str, tokens: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: schemathesis.Case) -> None:
        for token in tokens.values():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            case.call_and_validate(
                base_url=base_url, session=session, headers=headers, checks=CHECKS, timeout=30
            )

    with _fuzz_session() as session:
        run()


def test_api_answers_as_described(
    openapi_schema: Any, live_server: str, role_tokens: dict[str, str]
) -> None:
    """Every operation in turn (schemathesis's pytest integration does not run on pytest 9, so
    the loop is ours); every failure is collected, then all are reported together."""
    failures: list[str] = []
    for result in openapi_schema.get_all_operations():
        operation = result.ok()
        try:
            _fuzz(operation, live_server, role_tokens)
        except (Exception, BaseExceptionGroup) as exc:  # a check failed: report them all
            failures.append(f"{operation.method.upper()} {operation.path}:\n{exc}")
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)


def test_every_error_answer_is_described_as_problem_details(live_server: str) -> None:
    spec = httpx.get(f"{live_server}/api/openapi.json").json()
    assert set(spec["components"]["schemas"]["Problem"]["properties"]) == {
        "type", "title", "status", "detail", "instance",
    }  # fmt: skip
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            errors = {k: v for k, v in responses.items() if k[:1] in "45" or k == "default"}
            assert "default" in errors, (method, path)
            if "security" in operation:
                assert "401" in responses, (method, path)
            for status, entry in errors.items():
                if method != "head" and entry.get("content") != {}:
                    assert "application/problem+json" in entry["content"], (method, path, status)
    evidence = spec["paths"]["/api/v1/evidence/{evidence_id}"]["get"]["responses"]
    assert {"401", "403", "404", "422"} <= set(evidence)
    override = spec["paths"]["/api/v1/uploads/{upload_id}"]["post"]["responses"]["405"]
    assert "Allow" in override["headers"]


def test_an_upload_url_says_what_it_allows(live_server: str, role_tokens: dict[str, str]) -> None:
    url = f"{live_server}/api/v1/uploads/{uuid.uuid4()}"
    headers = {"Authorization": f"Bearer {role_tokens['officer']}", "Tus-Resumable": "1.0.0"}
    posted = httpx.post(url, headers=headers)
    assert posted.status_code == 405
    assert posted.headers["content-type"] == "application/problem+json"
    assert posted.headers["allow"] == "OPTIONS, HEAD, PATCH, DELETE"
    options = httpx.options(url)
    assert options.status_code == 204
    assert options.headers["allow"] == "OPTIONS, HEAD, PATCH, DELETE"
    assert options.headers["tus-version"] == "1.0.0"
    assert httpx.options(f"{live_server}/api/v1/uploads/").headers["allow"] == "OPTIONS, POST"
