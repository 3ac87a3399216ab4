"""The authorisation matrix: every endpoint × every role × every relation of the item to the
caller, generated from the application's route table so a new endpoint cannot escape it.

Expected results are written down here, role by role — not derived from the implementation.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from openbwv.composition import api_routes
from tests.access.world import AWAY, RELATIONS, ROLES, Subject, build_subjects, make_case
from tests.support.stack import Stack

# What each role may see, by the item's relation to the caller (the caller is in Westminster,
# team A1; "case" is an item in another borough linked to a case the caller is a member of).
VISIBLE: dict[str, set[str]] = {
    "officer": {"own", "case"},
    "supervisor": {"own", "team", "case"},
    "investigator": {"own", "team", "borough", "case"},
    "disclosure_officer": {"own", "team", "borough", "case"},
    "professional_standards": {"own", "team", "borough", "other_borough", "case"},
    "information_rights": {"own", "team", "borough", "other_borough", "case"},
    "fleet_manager": set(),
    "administrator": set(),  # administering is not viewing
    "auditor": set(),  # the audit log, never the footage
    "device": set(),
    "external": {"case"},  # shared with them (tests/access/world.py), never by membership
}
# Nobody sees the restricted (domestic abuse) item without a grant of that category.

# What each role may do to an item it can see.
ACTS: dict[str, set[str]] = {
    "officer": {"view", "play", "download", "categorise", "link", "edit"},
    "supervisor": {"view", "play", "download", "categorise", "link", "edit"},
    "investigator": {"view", "play", "download", "categorise", "link", "edit"},
    "disclosure_officer": {"view", "play", "download", "link", "edit", "share", "redact"},
    "professional_standards": {"view", "play", "download", "categorise", "link", "edit"},
    "information_rights": {"view", "play", "download", "redact"},
    "fleet_manager": set(),
    "administrator": set(),
    "auditor": set(),
    "device": set(),
    "external": {"view", "play", "download"},
}

ITEM_ENDPOINTS: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/evidence/{evidence_id}"): "view",
    ("GET", "/api/v1/evidence/{evidence_id}/original"): "download",
    ("HEAD", "/api/v1/evidence/{evidence_id}/original"): "download",
    ("GET", "/api/v1/evidence/{evidence_id}/playback"): "play",
    ("HEAD", "/api/v1/evidence/{evidence_id}/playback"): "play",
    ("GET", "/api/v1/evidence/{evidence_id}/thumbnail"): "view",
    ("HEAD", "/api/v1/evidence/{evidence_id}/thumbnail"): "view",
    ("GET", "/api/v1/evidence/{evidence_id}/strip"): "view",
    ("HEAD", "/api/v1/evidence/{evidence_id}/strip"): "view",
    ("GET", "/api/v1/evidence/{evidence_id}/categories"): "view",
    ("PUT", "/api/v1/evidence/{evidence_id}/categories"): "categorise",
    ("POST", "/api/v1/cases/{case_id}/items"): "link",
    ("DELETE", "/api/v1/cases/{case_id}/items/{evidence_id}"): "link",
    ("GET", "/api/v1/evidence/{evidence_id}/audit"): "trail",
    ("GET", "/api/v1/evidence/{evidence_id}/custody-report"): "trail",
    ("GET", "/api/v1/evidence/{evidence_id}/notes"): "view",
    ("POST", "/api/v1/evidence/{evidence_id}/notes"): "edit",
    ("GET", "/api/v1/evidence/{evidence_id}/markers"): "view",
    ("POST", "/api/v1/evidence/{evidence_id}/markers"): "edit",
    ("GET", "/api/v1/evidence/{evidence_id}/tags"): "view",
    ("PUT", "/api/v1/evidence/{evidence_id}/tags"): "edit",
    ("PUT", "/api/v1/evidence/{evidence_id}/title"): "edit",
    ("GET", "/api/v1/evidence/{evidence_id}/retention"): "view",
    ("PUT", "/api/v1/evidence/{evidence_id}/do-not-disclose"): "share",
    ("DELETE", "/api/v1/evidence/{evidence_id}/do-not-disclose"): "share",
    ("GET", "/api/v1/evidence/{evidence_id}/redactions"): "redact",
    ("POST", "/api/v1/evidence/{evidence_id}/redactions"): "redact",
    # Transcripts: what was said is the recording's content (play); corrections edit.
    ("POST", "/api/v1/evidence/{evidence_id}/transcript"): "play",
    ("GET", "/api/v1/evidence/{evidence_id}/transcript"): "play",
    ("GET", "/api/v1/evidence/{evidence_id}/transcript/versions"): "play",
    ("POST", "/api/v1/evidence/{evidence_id}/transcript/versions"): "edit",
    ("GET", "/api/v1/evidence/{evidence_id}/transcript/pii"): "play",
}
# Bodies for the item endpoints that change something (valid, so only the policy can refuse).
ITEM_BODIES: dict[tuple[str, str], dict[str, object]] = {
    ("POST", "/api/v1/evidence/{evidence_id}/notes"): {"text": "Seen by the matrix."},
    ("POST", "/api/v1/evidence/{evidence_id}/markers"): {"label": "Matrix", "offset_seconds": 0},
    ("PUT", "/api/v1/evidence/{evidence_id}/tags"): {"tags": ["matrix"]},
    ("PUT", "/api/v1/evidence/{evidence_id}/title"): {"title": "Matrix"},
    ("PUT", "/api/v1/evidence/{evidence_id}/do-not-disclose"): {"reason": "Matrix"},
    ("POST", "/api/v1/evidence/{evidence_id}/redactions"): {"faces": True, "plates": False},
    ("POST", "/api/v1/evidence/{evidence_id}/transcript/versions"): {
        "base_version": 1,
        "changes": [{"segment": 0, "word": 0, "text": "Matrix"}],
    },
}

ALL = set(ROLES)
ADMIN = {"administrator"}
FLEET_READERS = {"supervisor", "fleet_manager", "administrator"}
FLEET_MANAGERS = {"fleet_manager", "administrator"}
# Roll-out aggregates carry no personal data: fleet readers and report readers.
ROLLOUT_READERS = FLEET_READERS | {"professional_standards", "auditor"}
# Retention: holds of items need `evidence.hold` (holds of any scope `retention.hold`); the lists
# `retention.read`; restores `retention.restore`; reviews `retention.review`; the policy itself
# `retention.policy` (docs/retention.md).
HOLDERS = {
    "supervisor",
    "investigator",
    "disclosure_officer",
    "professional_standards",
    "information_rights",
}
RETENTION_READERS = {"professional_standards", "information_rights", "administrator", "auditor"}
SHARERS = {"disclosure_officer"}  # evidence.share; external users never share
SAR_HANDLERS = {"information_rights"}  # sar.handle
# CAD incidents: imports need `incidents.import` (integrations, administrators); incidents,
# the queue and compliance `incidents.read` (figures limited by scope: tests/incidents).
INCIDENT_IMPORTERS = {"administrator", "device"}
INCIDENT_READERS = {"officer", "supervisor", "investigator", "professional_standards"}
CASE_CREATORS = {"supervisor", "investigator", "professional_standards"}
# Complaints (docs/analytics.md): professional standards handle them; auditors (IOPC) read them.
# The roll-out evaluation is an aggregate report (reports.read); counts come in by
# analytics.import (professional standards, administrators).
COMPLAINT_HANDLERS = {"professional_standards"}
COMPLAINT_READERS = {"professional_standards", "auditor"}
REPORT_READERS = {"supervisor", "professional_standards", "auditor"}
COUNT_IMPORTERS = {"professional_standards", "administrator"}
# System endpoints: which roles may call them.
SYSTEM_ENDPOINTS: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/admin/users"): ADMIN,
    ("POST", "/api/v1/admin/users"): ADMIN,
    ("PUT", "/api/v1/admin/users/{username}/roles"): ADMIN,
    ("POST", "/api/v1/admin/users/{username}/disable"): ADMIN,
    ("POST", "/api/v1/admin/users/{username}/grants"): ADMIN,
    ("GET", "/api/v1/admin/users/{username}"): ADMIN,
    ("POST", "/api/v1/admin/users/{username}/unlock"): ADMIN,
    ("POST", "/api/v1/admin/users/{username}/password"): ADMIN,
    ("DELETE", "/api/v1/admin/grants/{grant_id}"): ADMIN,
    ("GET", "/api/v1/admin/roles"): ADMIN,
    ("PUT", "/api/v1/admin/roles/{name}"): ADMIN,
    ("GET", "/api/v1/admin/tokens"): ADMIN,
    ("POST", "/api/v1/admin/tokens"): ADMIN,
    ("DELETE", "/api/v1/admin/tokens/{token_id}"): ADMIN,
    ("GET", "/api/v1/admin/categories"): ALL,
    ("PUT", "/api/v1/admin/categories/{name}"): ADMIN,
    ("GET", "/api/v1/reports/break-glass"): {"supervisor", "professional_standards", "auditor"},
    ("POST", "/api/v1/cases"): {"supervisor", "investigator", "professional_standards"},
    ("GET", "/api/v1/cases"): ALL,
    ("GET", "/api/v1/cases/{case_id}"): ALL,  # the caller's own case: members all see it
    ("GET", "/api/v1/cases/{case_id}/items"): ALL,
    ("POST", "/api/v1/cases/{case_id}/members"): {
        "investigator",
        "disclosure_officer",
        "professional_standards",
    },
    ("GET", "/api/v1/auth/me"): ALL,
    ("POST", "/api/v1/auth/logout"): ALL,
    ("POST", "/api/v1/auth/totp/enrol"): ALL,
    ("POST", "/api/v1/auth/totp/confirm"): ALL,
    ("GET", "/api/v1/evidence"): ALL,  # the list is filtered: see test_lists_show_exactly
    ("GET", "/api/v1/search"): ALL,  # filtered like the list: tests/evidence/test_search_api.py
    ("GET", "/api/v1/search/places"): ALL,  # reference data: names of boroughs, BCUs, stations
    ("POST", "/api/v1/uploads/"): {"officer", "supervisor", "device"},
    ("GET", "/api/v1/audit/checkpoint"): ALL,  # hashes only: anyone signed in may verify
    ("GET", "/api/v1/audit/public-key"): ALL,
    ("GET", "/api/v1/audit/proof/inclusion"): ALL,
    ("GET", "/api/v1/audit/proof/consistency"): ALL,
    ("GET", "/api/v1/audit/entries"): {"auditor"},
    ("GET", "/api/v1/fleet/cameras"): FLEET_READERS,
    ("POST", "/api/v1/fleet/cameras"): FLEET_MANAGERS,
    ("GET", "/api/v1/fleet/cameras/{serial}"): FLEET_READERS,
    ("POST", "/api/v1/fleet/cameras/{serial}/status"): FLEET_MANAGERS,
    ("POST", "/api/v1/fleet/cameras/{serial}/firmware"): FLEET_MANAGERS,
    ("GET", "/api/v1/fleet/docks"): FLEET_READERS,
    ("POST", "/api/v1/fleet/docks"): FLEET_MANAGERS,
    ("GET", "/api/v1/fleet/assignments"): FLEET_READERS,
    ("POST", "/api/v1/fleet/assignments"): FLEET_MANAGERS,
    ("POST", "/api/v1/fleet/assignments/{assignment_id}/end"): FLEET_MANAGERS,
    ("POST", "/api/v1/fleet/pool/checkout"): FLEET_MANAGERS,
    ("POST", "/api/v1/fleet/pool/checkin"): FLEET_MANAGERS,
    ("GET", "/api/v1/fleet/wearer"): FLEET_READERS,
    ("GET", "/api/v1/fleet/officers"): FLEET_READERS,
    ("GET", "/api/v1/fleet/officers/{reference}"): FLEET_READERS,
    ("POST", "/api/v1/fleet/officers/{reference}/training"): FLEET_MANAGERS,
    ("GET", "/api/v1/fleet/firmware"): FLEET_READERS,
    ("POST", "/api/v1/fleet/firmware"): FLEET_MANAGERS,
    ("GET", "/api/v1/fleet/firmware/plans"): FLEET_READERS,
    ("POST", "/api/v1/fleet/firmware/plans"): FLEET_MANAGERS,
    ("GET", "/api/v1/fleet/firmware/plans/{plan_id}"): FLEET_READERS,
    ("POST", "/api/v1/fleet/firmware/plans/{plan_id}/cancel"): FLEET_MANAGERS,
    ("POST", "/api/v1/fleet/firmware/plans/{plan_id}/failures"): FLEET_MANAGERS,
    ("GET", "/api/v1/fleet/rollout/phases"): ROLLOUT_READERS,
    ("POST", "/api/v1/fleet/rollout/phases"): FLEET_MANAGERS,
    ("DELETE", "/api/v1/fleet/rollout/phases/{phase_id}"): FLEET_MANAGERS,
    ("GET", "/api/v1/fleet/rollout/progress"): ROLLOUT_READERS,
    ("GET", "/api/v1/fleet/rollout/progress/{borough}"): ROLLOUT_READERS,
    ("POST", "/api/v1/fleet/import/{kind}"): FLEET_MANAGERS,
    ("GET", "/api/v1/fleet/export/{name}"): FLEET_READERS,
    ("POST", "/api/v1/axis/connection-file"): ADMIN,
    ("GET", "/api/v1/retention/warnings"): ALL,  # one's own footage (none for a device)
    ("POST", "/api/v1/retention/holds"): HOLDERS,
    ("GET", "/api/v1/retention/holds"): RETENTION_READERS,
    ("GET", "/api/v1/retention/holds/{hold_id}"): RETENTION_READERS,
    ("POST", "/api/v1/retention/holds/{hold_id}/release"): HOLDERS,  # the service checks more
    ("POST", "/api/v1/retention/holds/preview"): HOLDERS,
    ("GET", "/api/v1/retention/queue"): RETENTION_READERS,
    ("POST", "/api/v1/retention/queue/{evidence_id}/restore"): {
        "administrator",
        "professional_standards",
    },
    ("GET", "/api/v1/retention/reviews"): RETENTION_READERS,
    ("POST", "/api/v1/retention/reviews/{evidence_id}"): {
        "professional_standards",
        "information_rights",
    },
    ("GET", "/api/v1/retention/policy"): RETENTION_READERS,
    ("PUT", "/api/v1/retention/policy"): ADMIN,
    ("GET", "/api/v1/retention/forecast"): RETENTION_READERS,
    ("GET", "/api/v1/retention/growth"): RETENTION_READERS,
    ("POST", "/api/v1/cases/{case_id}/shares"): SHARERS,
    ("GET", "/api/v1/cases/{case_id}/shares"): SHARERS,
    ("GET", "/api/v1/cases/{case_id}/receipts"): SHARERS,
    ("POST", "/api/v1/shares/{share_id}/revoke"): SHARERS,
    ("POST", "/api/v1/shares/{share_id}/extend"): SHARERS,
    ("GET", "/api/v1/shares"): ALL,  # one's own: shares given to one, or made by one
    ("GET", "/api/v1/shares/warnings"): ALL,  # the same, ending soon
    ("GET", "/api/v1/cases/{case_id}/disclosure"): SHARERS,
    ("GET", "/api/v1/cases/{case_id}/disclosure/{schedule}.{fmt}"): SHARERS,
    ("GET", "/api/v1/sharing/organisations"): SHARERS,
    ("POST", "/api/v1/sharing/organisations"): SHARERS,
    ("POST", "/api/v1/sharing/organisations/{name}/members"): SHARERS,
    # Evidence packages: `evidence.export`, and every item one the caller may download
    # (docs/packages.md); the matrix's case holds one item its members may download.
    ("POST", "/api/v1/cases/{case_id}/packages"): {"disclosure_officer", "information_rights"},
    # Subject access requests: `sar.handle` (tests/subject_access/test_api.py drives each).
    **{
        (method, f"/api/v1/subject-access{path}"): SAR_HANDLERS
        for method, path in (
            ("POST", ""),
            ("GET", ""),
            ("GET", "/report"),
            ("GET", "/report.csv"),
            ("GET", "/{request_id}"),
            ("POST", "/{request_id}/identity"),
            ("POST", "/{request_id}/pause"),
            ("POST", "/{request_id}/resume"),
            ("POST", "/{request_id}/extension"),
            ("POST", "/{request_id}/find"),
            ("POST", "/{request_id}/items"),
            ("POST", "/{request_id}/items/{evidence_id}/remove"),
            ("PUT", "/{request_id}/items/{evidence_id}/restriction"),
            ("POST", "/{request_id}/release"),
            ("POST", "/{request_id}/close"),
        )
    },
    ("POST", "/api/v1/incidents/import"): INCIDENT_IMPORTERS,
    ("POST", "/api/v1/incidents/push"): INCIDENT_IMPORTERS,
    ("GET", "/api/v1/incidents/queue"): INCIDENT_READERS,
    ("POST", "/api/v1/incidents/queue/{evidence_id}"): INCIDENT_READERS,
    ("GET", "/api/v1/incidents/{number}"): INCIDENT_READERS,
    ("POST", "/api/v1/incidents/{number}/case"): CASE_CREATORS,
    ("GET", "/api/v1/compliance"): INCIDENT_READERS,
    ("GET", "/api/v1/compliance/misses"): INCIDENT_READERS,
    ("GET", "/api/v1/compliance/reviews"): INCIDENT_READERS,  # one's own team's samples
    ("POST", "/api/v1/compliance/reviews/sample"): {"supervisor"},  # compliance.review
    ("POST", "/api/v1/compliance/reviews/{sample_id}/{evidence_id}"): {"supervisor"},
    ("POST", "/api/v1/complaints"): COMPLAINT_HANDLERS,
    ("GET", "/api/v1/complaints"): COMPLAINT_READERS,
    ("GET", "/api/v1/complaints/rates"): COMPLAINT_READERS,
    ("GET", "/api/v1/complaints/{complaint_id}"): COMPLAINT_READERS,
    ("GET", "/api/v1/complaints/{complaint_id}/footage"): COMPLAINT_READERS,
    ("POST", "/api/v1/complaints/{complaint_id}/hold"): COMPLAINT_HANDLERS,
    ("POST", "/api/v1/complaints/{complaint_id}/items"): COMPLAINT_HANDLERS,
    ("PUT", "/api/v1/complaints/{complaint_id}/outcome"): COMPLAINT_HANDLERS,
    ("GET", "/api/v1/analytics/evaluation"): REPORT_READERS,
    ("GET", "/api/v1/analytics/evaluation/report.{fmt}"): REPORT_READERS,
    ("POST", "/api/v1/analytics/counts"): COUNT_IMPORTERS,
}
QUERIES = {
    "/api/v1/audit/entries": {"start": 0, "end": 1},
    "/api/v1/audit/proof/inclusion": {"index": 0, "tree_size": 1},
    "/api/v1/audit/proof/consistency": {"first": 1, "second": 1},
    "/api/v1/fleet/wearer": {"camera": "NO-SUCH-CAMERA", "at": "2026-11-24T10:00:00Z"},
}
PLACEHOLDERS = {
    "{serial}": "NO-SUCH-CAMERA",
    "{assignment_id}": "00000000-0000-7000-8000-000000000000",
    "{plan_id}": "00000000-0000-7000-8000-000000000000",
    "{phase_id}": "00000000-0000-7000-8000-000000000000",
    "{reference}": "nobody-at-all",
    "{borough}": "E09000033",
    "{kind}": "officers",
    "{name}": "officers.csv",
    "{hold_id}": "00000000-0000-7000-8000-000000000000",
    "{evidence_id}": "00000000-0000-7000-8000-000000000000",
    "{share_id}": "00000000-0000-7000-8000-000000000000",
    "{schedule}": "mg6c",
    "{fmt}": "csv",
    "{number}": "NO-SUCH-INCIDENT",
    "{sample_id}": "00000000-0000-7000-8000-000000000000",
    "{complaint_id}": "00000000-0000-7000-8000-000000000000",
}

# Reached without a principal, or covered by their own tests (named here).
PUBLIC = {
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/audit/checkpoint"),  # an outside verifier needs no account (decisions.md)
    ("GET", "/api/v1/audit/public-key"),
    ("OPTIONS", "/api/v1/uploads/"),
    ("OPTIONS", "/api/v1/uploads/{upload_id}"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/totp"),
    ("GET", "/auth/oidc/login"),
    ("GET", "/auth/oidc/callback"),
    ("GET", "/sign-in"),
    ("POST", "/sign-in"),
    ("GET", "/sign-in/second-factor"),
    ("POST", "/sign-in/second-factor"),
    ("GET", "/sign-in/change-password"),  # only for a temporary-password session
    ("POST", "/sign-in/change-password"),
    ("GET", "/sign-in/enrol-second-factor"),  # only for an external account's first sign-in
    ("POST", "/sign-in/enrol-second-factor"),
    # Share links are unauthenticated by design: the link's 256-bit secret (stored hashed) is
    # the credential, with a passphrase when set; every read goes through the policy as the
    # share's link principal (tests/sharing/test_links.py; `sharing/links/`).
    ("GET", "/s/{secret}"),
    ("POST", "/s/{secret}"),
    ("GET", "/s/{secret}/items/{evidence_id}/play"),
    ("GET", "/s/{secret}/items/{evidence_id}/download"),
    ("GET", "/s/{secret}/receipt.{fmt}"),
    ("GET", "/s/{secret}/package"),  # tests/sharing/test_share_packages.py: download links only
}
# Web pages: each renders only through the same policy; their tests drive a real browser.
PAGES = {
    ("GET", "/"): "tests/web/test_shell.py",
    ("POST", "/sign-out"): "tests/web/test_shell.py",
    **{
        (method, path): test_file
        for test_file, routes in (
            ("tests/web/test_evidence_footage.py", (("GET", "/footage"),)),
            ("tests/web/test_landing.py", (("GET", "/team"),)),
            ("tests/web/test_journey.py", (("GET", "/evidence/{evidence_id}"),)),
            (
                "tests/web/test_evidence_security.py",
                tuple(
                    ("POST", f"/evidence/{{evidence_id}}/{part}")
                    for part in ("notes", "markers", "categories", "tags", "title", "cases")
                ),
            ),
            (
                "tests/web/test_search.py",
                (
                    ("GET", "/search"),
                    ("POST", "/search/saved"),
                    ("POST", "/search/saved/{saved_id}/delete"),
                ),
            ),
            (
                "tests/web/test_cases.py",
                (
                    ("GET", "/cases"),
                    ("POST", "/cases"),
                    ("GET", "/cases/{case_id}"),
                    ("POST", "/cases/{case_id}/items"),
                    ("POST", "/cases/{case_id}/items/{evidence_id}/remove"),
                    ("POST", "/cases/{case_id}/members"),
                    ("POST", "/cases/{case_id}/members/{user_id}/remove"),
                    ("POST", "/cases/{case_id}/close"),
                    ("POST", "/cases/{case_id}/reopen"),
                    ("GET", "/cases/{case_id}/timeline"),
                ),
            ),
        )
        for method, path in routes
    },
    **{
        (method, path): "tests/web/test_sharing.py"
        for method, path in (
            ("GET", "/cases/{case_id}/sharing"),
            ("POST", "/cases/{case_id}/sharing"),
            ("POST", "/shares/{share_id}/revoke"),
            ("POST", "/shares/{share_id}/extend"),
            ("POST", "/cases/{case_id}/sharing/items/{evidence_id}"),
            ("POST", "/cases/{case_id}/sharing/package"),  # evidence.export, as the API's
            ("GET", "/shared"),
            ("GET", "/shared/items/{evidence_id}"),
        )
    },
    **{
        (method, path): "tests/web/test_fleet_dashboard.py"
        for method, path in (("GET", "/fleet"), ("GET", "/fleet/boroughs/{code}"))
    },
    **{
        (method, path): "tests/web/test_audit_pages.py"
        for method, path in (
            ("GET", "/audit"),
            ("GET", "/audit/items/{evidence_id}"),
            ("GET", "/audit/checkpoint"),
            ("POST", "/audit/verify"),
        )
    },
    **{
        (method, path): "tests/web/test_fleet_import.py"
        for method, path in (("GET", "/fleet/import"), ("POST", "/fleet/import"))
    },
    **{
        (method, path): "tests/web/test_fleet_changes.py"
        for method, path in (
            ("GET", "/fleet/cameras"),
            ("GET", "/fleet/cameras/{serial}"),
            ("POST", "/fleet/cameras/{serial}/assign"),
            ("POST", "/fleet/cameras/{serial}/return"),
            ("POST", "/fleet/cameras/{serial}/status"),
            ("GET", "/fleet/firmware"),
            ("POST", "/fleet/firmware/versions"),
            ("POST", "/fleet/firmware/plans"),
            ("POST", "/fleet/firmware/plans/{plan_id}/cancel"),
        )
    },
    **{
        (method, path): "tests/web/test_upload.py"
        for method, path in (("GET", "/upload"), ("GET", "/upload/recent"))
    },
    **{
        (method, path): "tests/web/test_account_lock.py"
        for method, path in (
            ("POST", "/admin/users/{username}/unlock"),
            ("POST", "/admin/users/{username}/password"),
        )
    },
    **{
        (method, path): "tests/web/test_admin.py"
        for method, path in (
            ("GET", "/admin"),
            ("GET", "/admin/users"),
            ("GET", "/admin/users/new"),
            ("POST", "/admin/users"),
            ("GET", "/admin/users/{username}"),
            ("POST", "/admin/users/{username}/roles"),
            ("POST", "/admin/users/{username}/disable"),
            ("POST", "/admin/users/{username}/grants"),
            ("POST", "/admin/grants/{grant_id}/revoke"),
            ("GET", "/admin/roles"),
            ("GET", "/admin/roles/new"),
            ("POST", "/admin/roles"),
            ("GET", "/admin/roles/{name}"),
            ("POST", "/admin/roles/{name}"),
            ("GET", "/admin/categories"),
            ("GET", "/admin/categories/new"),
            ("POST", "/admin/categories"),
            ("GET", "/admin/categories/{name}"),
            ("POST", "/admin/categories/{name}"),
            ("GET", "/admin/tokens"),
            ("POST", "/admin/tokens"),
            ("POST", "/admin/tokens/{token_id}/revoke"),
            ("GET", "/admin/axis"),
            ("POST", "/admin/axis/connection-file"),
        )
    },
    **{
        (method, path): "tests/web/test_retention_pages.py; tests/retention/test_pages.py"
        for method, path in (
            ("GET", "/retention/queue"),
            ("POST", "/retention/queue/{evidence_id}/restore"),
            ("GET", "/retention/holds"),
            ("POST", "/retention/holds"),
            ("POST", "/retention/holds/preview"),
            ("POST", "/retention/holds/{hold_id}/release"),
            ("GET", "/retention/reviews"),
            ("POST", "/retention/reviews/{evidence_id}"),
            ("GET", "/retention/policy"),
            ("POST", "/retention/policy"),
            ("GET", "/retention/forecast"),
        )
    },
    **{
        (method, path): "tests/web/test_redaction_editor.py"
        for method, path in (
            ("GET", "/evidence/{evidence_id}/redactions"),
            ("POST", "/evidence/{evidence_id}/redactions"),
            ("GET", "/evidence/{evidence_id}/redactions/{redaction_id}"),
        )
    },
    **{
        (method, f"/subject-access{path}"): (
            "tests/web/test_subject_access_pages.py; tests/subject_access/test_pages.py"
        )
        for method, path in (
            ("GET", ""),
            ("POST", ""),
            ("GET", "/report"),
            ("GET", "/{request_id}"),
            ("POST", "/{request_id}/identity"),
            ("POST", "/{request_id}/pause"),
            ("POST", "/{request_id}/resume"),
            ("POST", "/{request_id}/extension"),
            ("POST", "/{request_id}/items"),
            ("POST", "/{request_id}/items/{evidence_id}/remove"),
            ("POST", "/{request_id}/items/{evidence_id}/restriction"),
            ("POST", "/{request_id}/release"),
            ("POST", "/{request_id}/close"),
        )
    },
    **{
        (method, path): "tests/web/test_incident_pages.py; tests/incidents/test_pages.py"
        for method, path in (
            ("GET", "/incidents"),
            ("POST", "/incidents/import"),
            ("GET", "/incidents/queue"),
            ("POST", "/incidents/queue/{evidence_id}"),
            ("GET", "/incidents/{number}"),
            ("POST", "/incidents/{number}/case"),
            ("GET", "/compliance"),
        )
    },
    **{
        (method, path): "tests/incidents/test_reviews.py"
        for method, path in (
            ("GET", "/compliance/reviews"),
            ("POST", "/compliance/reviews/sample"),
            ("POST", "/compliance/reviews/{sample_id}/{evidence_id}"),
        )
    },
    **{
        (method, path): "tests/web/test_analytics_pages.py; tests/analytics/test_evaluation.py"
        for method, path in (
            ("GET", "/complaints"),
            ("POST", "/complaints"),
            ("GET", "/complaints/rates"),
            ("GET", "/complaints/{complaint_id}"),
            ("POST", "/complaints/{complaint_id}/hold"),
            ("POST", "/complaints/{complaint_id}/items"),
            ("POST", "/complaints/{complaint_id}/outcome"),
            ("GET", "/evaluation"),
        )
    },
    **{
        (method, path): "tests/web/test_break_glass_pages.py"
        for method, path in (
            ("POST", "/evidence/{evidence_id}/break-glass"),
            ("GET", "/reports/break-glass"),
        )
    },
}
OWN_TESTS = {
    # One redaction's resources: `evidence.redact` on its item through the policy, 403 to those
    # who only view the item, 404 beyond reach (tests/redaction/test_api.py).
    **{
        (method, f"/api/v1/evidence/{{evidence_id}}/redactions/{{redaction_id}}{path}"): (
            "tests/redaction/test_api.py: evidence.redact on the item only"
        )
        for method, path in (
            ("GET", ""),
            ("GET", "/tracks"),
            ("POST", "/tracks"),
            ("PUT", "/tracks/{track_id}"),
            ("POST", "/decisions"),
            ("GET", "/audio"),
            ("POST", "/audio"),
            ("DELETE", "/audio/{range_id}"),
            ("GET", "/waveform"),
            ("PUT", "/options"),
            ("POST", "/render"),
            ("GET", "/render"),
            ("GET", "/video"),
            ("HEAD", "/video"),
            ("GET", "/log"),
        )
    },
    ("HEAD", "/api/v1/uploads/{upload_id}"): "tests/ingest: someone else's upload is not found",
    ("PATCH", "/api/v1/uploads/{upload_id}"): "tests/ingest: someone else's upload is not found",
    ("DELETE", "/api/v1/uploads/{upload_id}"): "tests/ingest: terminated upload",
    ("POST", "/api/v1/uploads/{upload_id}"): "tests/ingest: method override",
    ("POST", "/api/v1/evidence/{evidence_id}/break-glass"): "tests/access/test_break_glass.py",
    ("PUT", "/api/v1/cases/{case_id}/stage"): "tests/retention/test_api.py: case managers only",
    ("PUT", "/api/v1/cases/{case_id}/outcome"): (
        "tests/analytics/test_rates_and_counts.py: case managers only"
    ),
    ("GET", "/api/v1/shares/{share_id}/receipt"): "tests/sharing/test_shares.py: one's own only",
    ("GET", "/api/v1/shares/{share_id}/package"): (
        "tests/sharing/test_share_packages.py: the share's own external recipient, while it is "
        "active and allows downloading (404 to anyone else, sharers included; 410 once ended)"
    ),
    ("PUT", "/api/v1/cases/{case_id}/disclosure/{evidence_id}"): (
        "tests/sharing/test_shares.py: sharers, on the case's items"
    ),
    **{
        (method, path): "tests/web/test_case_membership.py: the OIC and case managers only"
        for method, path in (
            ("DELETE", "/api/v1/cases/{case_id}/members/{user_id}"),
            ("POST", "/api/v1/cases/{case_id}/close"),
            ("POST", "/api/v1/cases/{case_id}/reopen"),
        )
    },
    # The Axis body worn system speaks Swift: X-Auth-Token from /auth/v1.0, not bearer tokens.
    ("GET", "/auth/v1.0"): "tests/axis/test_protocol.py: device credentials only",
    **{
        (method, path): "tests/axis/test_protocol.py: X-Auth-Token for its own account only"
        for path, methods in (
            ("/v1/{account}", ("GET", "HEAD")),
            ("/v1/{account}/{container}", ("GET", "HEAD", "PUT", "POST", "DELETE")),
            (
                "/v1/{account}/{container}/{object_name:path}",
                ("GET", "HEAD", "PUT", "POST", "DELETE"),
            ),
        )
        for method in methods
    },
}


def test_every_route_has_a_written_expectation() -> None:
    table = {(method, path) for method, path, _route in api_routes()}
    covered = set(ITEM_ENDPOINTS) | set(SYSTEM_ENDPOINTS) | PUBLIC | set(OWN_TESTS) | set(PAGES)
    assert table - covered == set(), "new endpoints need a row in the authorisation matrix"
    assert covered - table == set(), "the matrix names endpoints that no longer exist"


@pytest.fixture(scope="module")
def subjects(stack: Stack) -> dict[str, Subject]:
    return build_subjects(stack)


def _client(live_server: str, subject: Subject) -> httpx.Client:
    return httpx.Client(
        base_url=live_server, timeout=30, headers={"Authorization": f"Bearer {subject.token}"}
    )


def _denied_as_missing(response: httpx.Response) -> bool:
    if response.status_code != 404:
        return False
    if response.request.method == "HEAD":
        return True  # no body; the test items have every derivative, so 404 means hidden
    return response.json().get("detail") in ("no such evidence item", "no such case")


def _outcome(response: httpx.Response) -> str:
    if response.status_code == 401:
        return "unauthenticated"
    if response.status_code == 403:
        return "forbidden"
    if _denied_as_missing(response):
        return "hidden"
    return "allowed"


def _expected_item(role: str, relation: str, act: str) -> str:
    if act == "trail" and role == "auditor":
        return "allowed"  # auditors read every item's trail (never its footage)
    if act == "trail" and role == "external":
        return "forbidden"  # the internal trail is never disclosed (the package's custody is)
    if relation not in VISIBLE[role]:
        return "hidden"
    if act == "trail":
        return "allowed"  # whoever may view an item may read its own trail
    return "allowed" if act in ACTS[role] else "forbidden"


def _item_request(
    client: httpx.Client, method: str, path: str, subject: Subject, item: uuid.UUID
) -> httpx.Response:
    url = path.replace("{evidence_id}", str(item)).replace("{case_id}", str(subject.case_id))
    if (method, path) == ("PUT", "/api/v1/evidence/{evidence_id}/categories"):
        return client.put(url, json={"categories": ["arrest"]})
    if (method, path) == ("POST", "/api/v1/cases/{case_id}/items"):
        return client.post(url, json={"evidence_id": str(item)})
    if (method, path) in ITEM_BODIES:
        return client.request(method, url, json=ITEM_BODIES[(method, path)])
    return client.request(method, url)


def _restore_links(
    method: str,
    path: str,
    got: str,
    relation: str,
    subject: Subject,
    client: httpx.Client,
    item: uuid.UUID,
) -> None:
    """Keep visibility as written: undo a link or an unlink the matrix just made."""
    if got != "allowed":
        return
    if method == "POST" and path == "/api/v1/cases/{case_id}/items" and relation != "case":
        client.delete(f"/api/v1/cases/{subject.case_id}/items/{item}")
    if method == "DELETE" and path.startswith("/api/v1/cases/") and relation == "case":
        from openbwv.cases.models import CaseItem
        from openbwv.db.session import unit_of_work

        assert subject.case_id is not None
        with unit_of_work() as session:
            session.add(CaseItem(case_id=subject.case_id, evidence_id=item))


@pytest.mark.parametrize("role", ROLES)
def test_item_endpoints(role: str, subjects: dict[str, Subject], live_server: str) -> None:
    subject = subjects[role]
    failures = []
    with _client(live_server, subject) as client:
        for (method, path), act in ITEM_ENDPOINTS.items():
            for relation in RELATIONS:
                item = subject.items[relation]
                response = _item_request(client, method, path, subject, item)
                got, want = _outcome(response), _expected_item(role, relation, act)
                _restore_links(method, path, got, relation, subject, client, item)

                if got != want:
                    failures.append(
                        f"{method} {path} on {relation}: {got}, expected {want} "
                        f"({response.status_code})"
                    )
    assert failures == []


@pytest.mark.parametrize("role", ROLES)
def test_lists_show_exactly_what_may_be_seen(
    role: str, subjects: dict[str, Subject], live_server: str
) -> None:
    from openbwv.db.session import unit_of_work
    from openbwv.evidence.models import EvidenceItem

    subject = subjects[role]
    with _client(live_server, subject) as client:
        for relation in RELATIONS:
            with unit_of_work() as session:
                item = session.get(EvidenceItem, subject.items[relation])
                assert item is not None
                sha = item.sha256
            found = client.get("/api/v1/evidence", params={"sha256": sha}).json()["items"]
            assert bool(found) == (relation in VISIBLE[role]), (role, relation)
        case_items = client.get(f"/api/v1/cases/{subject.case_id}/items").json()["items"]
        assert case_items == ([str(subject.items["case"])] if "case" in VISIBLE[role] else [])


def _system_request(
    client: httpx.Client, stack: Stack, method: str, path: str, subject: Subject
) -> httpx.Response:
    builders: dict[tuple[str, str], Callable[[], httpx.Response]] = {
        # Placing one's own recording: the policy allows it; the incident is not found (404,
        # not the hidden item's), so only the permission decides.
        ("POST", "/api/v1/incidents/queue/{evidence_id}"): lambda: client.post(
            path.replace("{evidence_id}", str(subject.items["own"])),
            json={"incident_number": "NO-SUCH-INCIDENT"},
        ),
        ("POST", "/api/v1/admin/users"): lambda: client.post(
            path,
            json={
                "username": f"n{uuid.uuid4().hex[:10]}",
                "display_name": "New",
                "roles": ["officer"],
                "borough": "E09000033",
            },
        ),
        ("PUT", "/api/v1/admin/users/{username}/roles"): lambda: client.put(
            path.replace("{username}", _throwaway(stack)), json={"roles": ["officer"]}
        ),
        ("POST", "/api/v1/admin/users/{username}/disable"): lambda: client.post(
            path.replace("{username}", _throwaway(stack))
        ),
        ("POST", "/api/v1/admin/users/{username}/grants"): lambda: client.post(
            path.replace("{username}", _throwaway(stack)),
            json={"kind": "category", "target": "domestic_abuse", "reason": "DA unit"},
        ),
        ("GET", "/api/v1/admin/users/{username}"): lambda: client.get(
            path.replace("{username}", _throwaway(stack))
        ),
        ("POST", "/api/v1/admin/users/{username}/unlock"): lambda: client.post(
            path.replace("{username}", _throwaway(stack))
        ),
        ("POST", "/api/v1/admin/users/{username}/password"): lambda: client.post(
            path.replace("{username}", _throwaway(stack)),
            json={"password": "a temporary password"},
        ),
        ("DELETE", "/api/v1/admin/grants/{grant_id}"): lambda: client.delete(
            path.replace("{grant_id}", _grant(stack))
        ),
        ("PUT", "/api/v1/admin/roles/{name}"): lambda: client.put(
            path.replace("{name}", f"r_{uuid.uuid4().hex[:8]}"),
            json={"permissions": ["evidence.view"], "scope": "own"},
        ),
        ("POST", "/api/v1/admin/tokens"): lambda: client.post(
            path, json={"name": "dock", "role": "device"}
        ),
        ("DELETE", "/api/v1/admin/tokens/{token_id}"): lambda: client.delete(
            path.replace("{token_id}", _token_id(stack))
        ),
        ("PUT", "/api/v1/admin/categories/{name}"): lambda: client.put(
            path.replace("{name}", f"c_{uuid.uuid4().hex[:8]}"), json={"label": "New"}
        ),
        ("POST", "/api/v1/cases"): lambda: client.post(
            path, json={"crime_reference": f"CR{uuid.uuid4().hex[:12]}", "title": "x"}
        ),
        ("POST", "/api/v1/cases/{case_id}/members"): lambda: client.post(
            path.replace("{case_id}", str(subject.case_id)),
            json={"username": subject.user.username, "role": "member"},
        ),
        ("POST", "/api/v1/cases/{case_id}/packages"): lambda: client.post(
            path.replace("{case_id}", str(subject.case_id)), json={"copies": "original"}
        ),
        ("POST", "/api/v1/auth/totp/confirm"): lambda: client.post(path, json={"code": "000000"}),
        ("POST", "/api/v1/uploads/"): lambda: client.post(
            path, headers={"Tus-Resumable": "1.0.0", "Upload-Length": "10"}
        ),
    }
    builder = builders.get((method, path))
    if builder is not None:
        return builder()
    url = path.replace("{case_id}", str(subject.case_id))
    for placeholder, value in PLACEHOLDERS.items():
        url = url.replace(placeholder, value)
    if method in ("POST", "PUT"):
        return client.request(method, url, json={})  # refused before the body is validated
    return client.request(method, url, params=QUERIES.get(path))


def _throwaway(stack: Stack) -> str:
    return str(stack.user("officer", borough="E09000033").username)


def _grant(stack: Stack) -> str:
    from openbwv.access.admin.service import grant
    from openbwv.db.session import unit_of_work

    user = stack.user("officer", borough="E09000033")
    with unit_of_work() as session:
        from openbwv.access.models import User

        made = grant(
            session,
            session.get(User, user.id),
            "category",
            "domestic_abuse",  # type: ignore[arg-type]
            reason="test",
            granted_by=None,
        )
        return str(made.id)


def _token_id(stack: Stack) -> str:
    from openbwv.access.admin.service import create_token
    from openbwv.db.session import unit_of_work

    with unit_of_work() as session:
        _secret, token = create_token(session, name="to-delete", role="device")
        return str(token.id)


@pytest.mark.parametrize("role", ROLES)
def test_system_endpoints(
    role: str, subjects: dict[str, Subject], live_server: str, stack: Stack
) -> None:
    subject = subjects[role]
    failures = []
    with _client(live_server, subject) as client:
        for (method, path), allowed in SYSTEM_ENDPOINTS.items():
            if path == "/api/v1/auth/logout":
                continue  # ends nothing for a bearer token, but keep it last-safe
            response = _system_request(client, stack, method, path, subject)
            refused = response.status_code in (401, 403) or _denied_as_missing(response)
            got = "refused" if refused else "allowed"
            want = "allowed" if role in allowed else "refused"
            if got != want:
                failures.append(
                    f"{method} {path}: {got} ({response.status_code}), "
                    f"expected {want}: {response.text[:200]}"
                )
        logout = client.post("/api/v1/auth/logout")
        assert logout.status_code == 204
    assert failures == []


def test_a_case_in_another_borough_is_hidden_from_non_members(
    subjects: dict[str, Subject], live_server: str, stack: Stack
) -> None:
    stranger = stack.user("officer", borough=AWAY)
    other_case = make_case(stranger, [(stranger, "oic")], [])
    for role, subject in subjects.items():
        with _client(live_server, subject) as client:
            response = client.get(f"/api/v1/cases/{other_case}")
            visible = response.status_code == 200
            assert visible == (role == "professional_standards"), (role, response.status_code)
            listed = {c["id"] for c in client.get("/api/v1/cases").json()}
            assert (str(other_case) in listed) == visible
