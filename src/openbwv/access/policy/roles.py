"""Permissions and the default roles (administrators may change roles; these are the seeds).

Administration and viewing are separate rights: the administrator role manages people, roles,
categories and tokens, but holds no evidence permission, so it cannot read footage without one.
"""

from __future__ import annotations

from dataclasses import dataclass

# Evidence actions: what may be done to an item (always limited by scope and restrictions).
VIEW = "evidence.view"  # metadata, thumbnails, notes
PLAY = "evidence.play"  # playback copy
DOWNLOAD = "evidence.download"  # the original bytes
UPLOAD = "evidence.upload"
EDIT = "evidence.edit"  # metadata, notes, markers
CATEGORISE = "evidence.categorise"
LINK = "evidence.link"  # link to cases
SHARE = "evidence.share"
EXPORT = "evidence.export"
REDACT = "evidence.redact"
DELETE = "evidence.delete"
HOLD = "evidence.hold"
BREAK_GLASS = "evidence.break_glass"
EVIDENCE_ACTIONS = (
    VIEW,
    PLAY,
    DOWNLOAD,
    UPLOAD,
    EDIT,
    CATEGORISE,
    LINK,
    SHARE,
    EXPORT,
    REDACT,
    DELETE,
    HOLD,
    BREAK_GLASS,
)

# System actions: not about one item.
CASE_CREATE = "case.create"
CASE_MANAGE = "case.manage"
AUDIT_READ = "audit.read"
REPORTS_READ = "reports.read"
FLEET_READ = "fleet.read"
FLEET_MANAGE = "fleet.manage"
USERS_MANAGE = "users.manage"
ROLES_MANAGE = "roles.manage"
CATEGORIES_MANAGE = "categories.manage"
TOKENS_MANAGE = "tokens.manage"
SAR_HANDLE = "sar.handle"
# Retention: holds of any scope (a case, an officer or an area in a time window), releasing them,
# restoring from the deletion queue, deciding MoPI reviews, the policy itself, and reading it all.
# Holds on single items need only `evidence.hold` on the item.
RETENTION_READ = "retention.read"
RETENTION_HOLD = "retention.hold"
RETENTION_RELEASE = "retention.release"
RETENTION_RESTORE = "retention.restore"
RETENTION_REVIEW = "retention.review"
RETENTION_POLICY = "retention.policy"
# CAD incidents: importing or pushing the dispatch records (integrations, administrators), and
# reading incidents and activation compliance (limited by the role's scope: own, team, borough,
# force); supervisors review their team's weekly sample.
INCIDENTS_IMPORT = "incidents.import"
INCIDENTS_READ = "incidents.read"
COMPLIANCE_REVIEW = "compliance.review"
# Complaints (professional standards): reading them and the footage search they start; recording,
# linking, holding. Monthly counts for the roll-out evaluation (officer strength, use of force,
# stop and search) are imported under `analytics.import`; the evaluation itself is an aggregate
# report (`reports.read`).
COMPLAINTS_READ = "complaints.read"
COMPLAINTS_MANAGE = "complaints.manage"
ANALYTICS_IMPORT = "analytics.import"

SCOPES = ("none", "own", "team", "borough", "force", "shared")


def system_permissions() -> set[str]:
    """Every permission constant in this module, the evidence actions included."""
    return {
        value
        for key, value in globals().items()
        if key.isupper() and isinstance(value, str) and "." in value
    }


def known_permissions() -> list[str]:
    """Every permission a role or a token scope may name."""
    return sorted(set(EVIDENCE_ACTIONS) | system_permissions())


@dataclass(frozen=True)
class RoleSpec:
    name: str
    description: str
    scope: str
    permissions: tuple[str, ...]


_REVIEW = (VIEW, PLAY, DOWNLOAD)
DEFAULT_ROLE_SPECS = (
    RoleSpec(
        "officer",
        "Frontline officer: own footage",
        "own",
        (*_REVIEW, UPLOAD, EDIT, CATEGORISE, LINK, BREAK_GLASS, INCIDENTS_READ),
    ),
    RoleSpec(
        "supervisor",
        "Sergeant/inspector: the team's footage",
        "team",
        (
            *_REVIEW,
            UPLOAD,
            EDIT,
            CATEGORISE,
            LINK,
            HOLD,
            BREAK_GLASS,
            REPORTS_READ,
            FLEET_READ,
            CASE_CREATE,
            INCIDENTS_READ,
            COMPLIANCE_REVIEW,
        ),
    ),
    RoleSpec(
        "investigator",
        "Officer in the case: the borough's footage",
        "borough",
        (
            *_REVIEW,
            EDIT,
            CATEGORISE,
            LINK,
            HOLD,
            BREAK_GLASS,
            CASE_CREATE,
            CASE_MANAGE,
            INCIDENTS_READ,
        ),
    ),
    RoleSpec(
        "disclosure_officer",
        "Case builder: disclosure to the CPS",
        "borough",
        (*_REVIEW, EDIT, LINK, SHARE, EXPORT, REDACT, HOLD, BREAK_GLASS, CASE_MANAGE),
    ),
    RoleSpec(
        "professional_standards",
        "Complaints and conduct: force-wide",
        "force",
        (
            *_REVIEW,
            EDIT,
            CATEGORISE,
            LINK,
            HOLD,
            CASE_CREATE,
            CASE_MANAGE,
            REPORTS_READ,
            RETENTION_READ,
            RETENTION_HOLD,
            RETENTION_RELEASE,
            RETENTION_RESTORE,
            RETENTION_REVIEW,
            INCIDENTS_READ,
            COMPLAINTS_READ,
            COMPLAINTS_MANAGE,
            ANALYTICS_IMPORT,
        ),
    ),
    RoleSpec(
        "information_rights",
        "Subject access and FOI requests: force-wide",
        "force",
        (
            *_REVIEW,
            REDACT,
            EXPORT,
            SAR_HANDLE,
            HOLD,
            RETENTION_READ,
            RETENTION_HOLD,
            RETENTION_RELEASE,
            RETENTION_REVIEW,
        ),
    ),
    RoleSpec(
        "fleet_manager",
        "BWV programme: cameras, docks, roll-out",
        "none",
        (FLEET_READ, FLEET_MANAGE),
    ),
    RoleSpec(
        "administrator",
        "Users, roles, categories, integrations: no footage",
        "none",
        (
            USERS_MANAGE,
            ROLES_MANAGE,
            CATEGORIES_MANAGE,
            TOKENS_MANAGE,
            FLEET_READ,
            FLEET_MANAGE,
            RETENTION_READ,
            RETENTION_RESTORE,
            RETENTION_POLICY,
            INCIDENTS_IMPORT,
            ANALYTICS_IMPORT,
        ),
    ),
    RoleSpec(
        "auditor",
        "Oversight (e.g. IOPC): the audit log, read-only, no footage",
        "none",
        (AUDIT_READ, REPORTS_READ, RETENTION_READ, COMPLAINTS_READ),
    ),
    RoleSpec(
        "device",
        "A dock, camera system or integration that uploads",
        "own",
        (UPLOAD, INCIDENTS_IMPORT),
    ),
    RoleSpec("external", "CPS or defence: only what is shared with them", "shared", _REVIEW),
)
DEFAULT_ROLES = tuple(spec.name for spec in DEFAULT_ROLE_SPECS)
