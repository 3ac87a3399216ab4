"""The audit action catalogue: every action name the platform records, each with its meaning.

`audit.events.record` refuses a name that is not here, so a typo fails the first test that
reaches it instead of passing silently into the log; `docs/audit.md` lists the catalogue (a test
keeps the two the same). A refused request is recorded under the permission it lacked (e.g.
`fleet.read`, `case.manage`), so permissions are actions too. Names are dotted: domain, then
what happened. New action: add it here with one line saying what it means.
"""

from __future__ import annotations

SWIFT_METHODS = ("get", "head", "put", "post", "delete")
AXIS_ENTITY_CONTAINERS = ("system", "users", "devices")
AXIS_SIDECAR_KINDS = ("clip", "key", "bookmark", "gnss", "other")
FLEET_CSV_KINDS = ("officers", "cameras")

_FIXED: dict[str, str] = {
    # Evidence: reads (every one audited) and changes; also the permissions a refusal names.
    "evidence.view": "an item's page, metadata or details were read",
    "evidence.play": "an item's playback copy was streamed",
    "evidence.download": "an item's original bytes were downloaded",
    "evidence.thumbnail": "an item's poster frame or strip was read",
    "evidence.thumbnails": "a list page showed these items' poster frames (one record a page)",
    "evidence.search": "a search or list of items was run",
    "evidence.upload": "a refused upload (the permission to upload)",
    "evidence.ingest": "an original arrived and became an evidence item",
    "evidence.edit": "an item's title or description was changed",
    "evidence.categorise": "an item's categories were set",
    "evidence.tag": "an item's tags were changed",
    "evidence.note": "a note was added to an item",
    "evidence.resubmitted": "identical bytes arrived again; what the sender said was kept",
    "evidence.marker": "a marker was changed or removed",
    "evidence.marker.add": "a marker was added on an item's timeline",
    "evidence.link": "an item was linked to a case",
    "evidence.unlink": "an item was unlinked from a case",
    "evidence.share": "a refused share (the permission to share)",
    "evidence.export": "a refused export (the permission to export)",
    "evidence.redact": "a refused redaction (the permission to redact)",
    "evidence.delete": "a refused deletion (the permission to delete)",
    "evidence.hold": "a refused hold (the permission to place holds)",
    "evidence.break_glass": "an item outside the viewer's scope was opened, with a reason",
    "evidence.decrypt": "an end-to-end encrypted clip was decrypted for processing",
    # Cases.
    "case.create": "a case was created",
    "case.view": "a case was read",
    "case.items": "a case's linked items were listed",
    "case.member": "a case's membership was changed",
    "case.timeline": "a case's synchronised timeline was read",
    "case.member.remove": "a member was removed from a case (their access through it ended)",
    "case.close": "a case was closed (nothing linked or added until it is reopened)",
    "case.reopen": "a closed case was reopened",
    "case.manage": "a refused case change (the permission to manage cases)",
    "case.stage": "a case's stage or outcome (CPIA) was recorded",
    # CAD incidents and activation compliance.
    "incidents.import": "CAD rows were imported or pushed (or a refused import: the permission)",
    "incidents.read": "a refused read of incidents or compliance (the permission to read them)",
    "incident.view": "an incident was read, with its officers' figures and linked recordings",
    "incident.link": "a person placed a queued recording: linked to an incident, or to none",
    "incident.case": "a case was made from an incident, linking its recordings",
    "compliance.view": "activation compliance figures were read (a league table or misses)",
    "compliance.export": "activation compliance figures were exported as CSV",
    "compliance.review": "a sampled recording was reviewed (or a refused review: the permission)",
    "compliance.sample": "a team's weekly review sample was drawn, with its seed",
    "case.outcome": "how a charged case ended (plea, verdict, ...) or its domestic abuse flag",
    # Analytics: complaints (and the permissions a refusal names), monthly counts, the evaluation.
    "complaints.read": "a refused complaint read (the permission to read complaints)",
    "complaints.manage": "a refused complaint change (the permission to manage complaints)",
    "complaint.create": "a complaint was recorded (officers, time and place, allegations)",
    "complaint.read": "complaints, a complaint, its footage search or complaint rates were read",
    "complaint.outcome": "a complaint's outcome was recorded",
    "complaint.link": "footage was linked to a complaint",
    "complaint.hold": "a complaint held its footage in one step (the retention holds it placed)",
    "analytics.import": "monthly counts were imported (or a refused import: the permission)",
    "analytics.evaluation": "the roll-out evaluation (or its report) was read",
    # Retention and disposal.
    "retention.read": "retention lists were read (queue, holds, reviews, forecast, policy)",
    "retention.hold": "a hold was placed (or a refused one: the permission to place holds)",
    "retention.hold.arrival": "a new item inside an open hold's scope was held on arrival",
    "retention.release": "a hold was released, with a reason (or a refused release)",
    "retention.queue": "an item became due and entered the deletion queue",
    "retention.dequeue": "an item left the deletion queue: a rule no longer lets it go",
    "retention.restore": "an item was restored from the deletion queue (a fresh retention date)",
    "retention.review": "a MoPI review decided an item's fate (keep until, or dispose)",
    "retention.policy": "the retention policy was changed (or a refused change)",
    "retention.dispose": "an item was disposed of: its bytes go, its tombstone stays",
    "retention.bytes": "the stored bytes of a disposed item were deleted (or kept: still used)",
    "retention.notice": "a disposal warning was given (the date it promised is kept)",
    "retention.run": "a retention run evaluated every item",
    # Transcription: transcripts of recordings (docs/transcription.md).
    "transcript.request": "a transcript of an item was asked for (a job on the ml queue)",
    "transcript.made": "the machine made an item's transcript (version 1; model and hash kept)",
    "transcript.view": "an item's transcript (a version, its captions, versions or PII) was read",
    "transcript.correct": "words of an item's transcript were corrected: a new version",
    # Sharing: disclosure to the CPS, the defence and other recipients (docs/sharing.md).
    "share.create": "a case or some of its items were shared with a recipient until an expiry",
    "share.item": "an item was given to a recipient by a share (its custody shows where it went)",
    "share.revoke": "a share was revoked: its recipient reaches nothing through it from now",
    "share.extend": "a share's expiry was moved",
    "share.open": "a share link was opened (or its passphrase refused)",
    "share.organisation": "a recipient organisation was added",
    "share.organisation_member": "an external user was made one of a recipient organisation's",
    "evidence.do_not_disclose": "an item was flagged do not disclose: no share gives it",
    "evidence.do_not_disclose_clear": "an item's do-not-disclose flag was removed",
    "disclosure.decide": "an item's disclosure decision in a case's schedule was recorded",
    # Disclosure: evidence packages (docs/packages.md).
    "package.export": "an evidence package was streamed (its SHA-256, manifest hash, recipient), "
    "or broke off (failure)",
    # Redaction: faces and plates tracked and hidden, audio muted (docs/redaction.md).
    "redaction.start": "detection and tracking of faces and plates began (a new redaction version)",
    "redaction.detected": "a redaction's tracks were found (the models that found them recorded)",
    "redaction.view": "a redaction's tracks, waveform or log was read",
    "redaction.decide": "a track was marked redact or keep, with its style, frames and reason",
    "redaction.track.add": "a box was drawn by hand (keyframes) and marked redact, with a reason",
    "redaction.audio": "an audio range to mute or tone was added or removed, with a reason",
    "redaction.options": "whole-frame blur or audio removal was set or cleared, with a reason",
    "redaction.render": "a redacted copy was asked for (the decisions as they stood)",
    "redaction.rendered": "a redacted copy and its redaction log were made (their SHA-256)",
    "redaction.play": "a redacted copy was streamed or downloaded",
    # Saved searches.
    "search.save": "a search was saved",
    "search.delete": "a saved search was deleted",
    # Ingest.
    "upload.create": "a tus upload was created",
    "upload.complete": "a tus upload received its last byte",
    "upload.terminate": "a tus upload was terminated by its client",
    "axis.auth": "an Axis body worn system authenticated (or was refused)",
    "axis.read": "an Axis system read its account, a container or an object",
    "axis.connection_file.create": "an Axis connection file (and its credential) was made",
    "axis.recording.complete": "an Axis recording was marked complete and applied",
    "axis.recording.abandoned": "an Axis recording never completed and was applied anyway",
    # People, roles, tokens and categories (administration).
    "auth.login": "a sign-in (password, second factor or single sign-on) succeeded or failed",
    "auth.logout": "a signed-in person signed out",
    "auth.totp": "a second-factor code was checked",
    "auth.totp_enrol_start": "TOTP enrolment was started",
    "auth.totp_enrolled": "TOTP enrolment was completed",
    "auth.password_change": "a person replaced their temporary password with their own",
    "user.create": "a user was created",
    "user.disable": "a user was disabled",
    "user.roles": "a user's roles were changed",
    "user.grant": "a restricted category was granted to a user",
    "user.grant_revoke": "a restricted-category grant was revoked",
    "user.unlock": "an administrator ended a user's sign-in lock",
    "user.password.reset": "an administrator set a user's password (it is never recorded)",
    "token.create": "an API token was created",
    "token.revoke": "an API token was revoked",
    "policy.role": "a role was created or changed",
    "policy.category": "a category was created or changed",
    "users.manage": "a refused user change (the permission to manage users)",
    "roles.manage": "a refused role change (the permission to manage roles)",
    "categories.manage": "a refused category change (the permission to manage categories)",
    "tokens.manage": "a refused token change (the permission to manage tokens)",
    "sar.handle": "a refused subject access action (the permission to handle requests)",
    "sar.open": "a subject access request was opened (with its own case for its package)",
    "sar.read": "subject access requests were read (the dashboard, a request, the report)",
    "sar.identity": "a subject access requester's identity check was recorded (by whom, how)",
    "sar.pause": "a subject access request's clock was paused awaiting clarification",
    "sar.resume": "a subject access request's clock resumed: the clarification arrived",
    "sar.extend": "a subject access request was extended (complex or numerous), with notice",
    "sar.item.add": "an item was added to a subject access request (and held)",
    "sar.item.remove": "an item was taken off a subject access request (its hold released)",
    "sar.item.restrict": "a restriction of access to a request's item was recorded (s.45(4))",
    "sar.release": "a subject access request's footage was released as an evidence package",
    "sar.close": "a subject access request was closed with its outcome (its holds released)",
    # Reports and the audit log itself.
    "reports.read": "a refused report (the permission to read reports)",
    "report.break_glass": "the break-glass report was read",
    "audit.read": "a refused read of the audit log (the permission to read it)",
    "audit.entries": "a range of audit log entries was read",
    "audit.trail": "an item's audit trail was read",
    "audit.proof": "an inclusion or consistency proof was read",
    "audit.checkpoint": "the latest signed checkpoint was read",
    "audit.public_key": "the checkpoint verifier key was read",
    "audit.custody_report": "an item's custody report (HTML or PDF) was read",
    "audit.log": "the audit log page (a filtered page of entries) was read",
    "audit.verify": "the whole log was verified from the auditor's pages ('verify now')",
    # Fleet.
    "fleet.read": "a refused fleet read (the permission to read the fleet)",
    "fleet.manage": "a refused fleet change (the permission to manage the fleet)",
    "fleet.officer.create": "an officer was added",
    "fleet.officer.update": "an officer's details were changed",
    "fleet.officer.trained": "an officer's BWV training was recorded",
    "fleet.camera.create": "a camera was registered",
    "fleet.camera.update": "a camera's details were changed",
    "fleet.camera.status": "a camera's status was changed",
    "fleet.camera.firmware": "a camera reported its firmware version",
    "fleet.dock.create": "a dock was registered",
    "fleet.assignment.start": "a camera was assigned to an officer",
    "fleet.assignment.end": "a camera's assignment ended",
    "fleet.pool.checkout": "a pool camera was checked out for a shift",
    "fleet.pool.checkin": "a pool camera was checked back in",
    "fleet.firmware.register": "a firmware version was registered",
    "fleet.firmware.plan": "a staged firmware roll-out was planned",
    "fleet.firmware.cancel": "a firmware roll-out was cancelled",
    "fleet.firmware.failed": "a camera's firmware update failed",
    "fleet.rollout.phase": "a borough's roll-out phase was set",
    "fleet.rollout.phase_delete": "a borough's roll-out phase was removed",
}


def _families() -> dict[str, str]:
    """Names built from a protocol's or a format's own words, each spelled out here."""
    names: dict[str, str] = {}
    for method in SWIFT_METHODS:
        names[f"axis.container.{method}"] = f"an Axis system sent {method.upper()} for a container"
        names[f"axis.object.{method}"] = f"an Axis system sent {method.upper()} for an object"
    for container in AXIS_ENTITY_CONTAINERS:
        for method in ("put", "post", "delete"):
            names[f"axis.{container}.{method}"] = (
                f"an Axis system sent {method.upper()} for an object in {container.title()}/"
            )
    for kind in AXIS_SIDECAR_KINDS:
        names[f"axis.{kind}.store"] = f"an Axis recording's {kind} object was stored"
    for kind in FLEET_CSV_KINDS:
        names[f"fleet.import.{kind}"] = f"{kind.title()} were imported from CSV"
        names[f"fleet.export.{kind}"] = f"{kind.title()} were exported as CSV"
    return names


ACTIONS: dict[str, str] = {**_FIXED, **_families()}


class UnknownAction(ValueError):
    def __init__(self, action: str) -> None:
        super().__init__(
            f"audit action {action!r} is not in the catalogue (openbwv/audit/actions.py)"
        )
        self.action = action


def check(action: str) -> str:
    """The action, if the catalogue has it."""
    if action not in ACTIONS:
        raise UnknownAction(action)
    return action


def markdown_table() -> str:
    """The catalogue as the table in docs/audit.md."""
    rows = [f"| `{name}` | {meaning} |" for name, meaning in sorted(ACTIONS.items())]
    return "\n".join(["| action | meaning |", "| --- | --- |", *rows])
