"""Transcript endpoints: request one, read it (JSON or WebVTT, any version), list its versions,
correct it (a new version) and the PII proposals for the redaction editor. Reading needs
`evidence.play` and is audited as `transcript.view`; correcting needs `evidence.edit`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from openbwv.access.deps import require_principal
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.db.session import unit_of_work
from openbwv.speech import pii
from openbwv.transcription import queries, service
from openbwv.transcription.models import Transcript, TranscriptVersion
from openbwv.transcription.schemas import (
    CorrectionIn,
    ProposalOut,
    ProposalsOut,
    RequestOut,
    TranscriptOut,
    VersionOut,
    VersionsOut,
)
from openbwv.transcription.webvtt import render

router = APIRouter(tags=["transcripts"])
Authed = Annotated[Principal, Depends(require_principal)]
PATH = "/api/v1/evidence/{evidence_id}/transcript"
VTT = "text/vtt"


def transcript_out(transcript: Transcript, version: TranscriptVersion) -> dict[str, Any]:
    return TranscriptOut(
        evidence_id=str(transcript.evidence_id),
        version=version.number,
        current_version=transcript.current_version,
        kind=version.kind,
        author=version.author,
        created_at=version.created_at,
        language=transcript.language,
        text=version.text,
        segments=version.segments,
        not_transcribed=version.not_transcribed,
        duration_seconds=transcript.duration_seconds,
        speech_seconds=transcript.speech_seconds,
        model=transcript.model,
        settings=transcript.settings,
    ).model_dump(mode="json")


def _wants_vtt(request: Request, format: str | None) -> bool:
    if format is not None:
        return format == "vtt"
    accept = request.headers.get("accept", "")
    return VTT in accept and "application/json" not in accept


@router.post(
    PATH,
    response_model=RequestOut,
    status_code=202,
    summary="Request the item's transcript (a job on the ml queue)",
    responses={200: {"model": RequestOut, "description": "the transcript is already there"}},
)
def request_transcript(evidence_id: str, client: Client, principal: Authed) -> Response:
    with unit_of_work() as session:
        existing, job = service.request(session, principal, evidence_id, client.ip)
        if existing is not None:
            body = RequestOut(state="ready", current_version=existing.current_version)
            status = 200
        else:
            assert job is not None
            state = queries.progress(session, job.evidence_id) if job.evidence_id else None
            body = RequestOut(state=job.state, seconds_done=state.seconds_done if state else 0)
            status = 202
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


@router.get(
    PATH,
    response_model=TranscriptOut,
    summary="The item's transcript: JSON, or WebVTT with ?format=vtt or Accept: text/vtt",
    responses={200: {"content": {VTT: {}}}, 404: {"description": "no transcript yet"}},
)
def get_transcript(
    evidence_id: str,
    request: Request,
    client: Client,
    principal: Authed,
    version: Annotated[int | None, Query(ge=1, description="default: the current one")] = None,
    format: Annotated[str | None, Query(pattern="^(json|vtt)$")] = None,
) -> Response:
    vtt = _wants_vtt(request, format)
    details = {"transcript": "vtt" if vtt else "json", "version": version or "current"}
    with unit_of_work() as session:
        transcript = service.open_transcript(session, principal, evidence_id, client.ip, details)
        chosen = queries.version_of(session, transcript, version)
        if vtt:
            note = (
                f"version {chosen.number} ({chosen.kind}) of evidence {transcript.evidence_id}; "
                f"model {transcript.model.get('name')} {transcript.model.get('sha256', '')[:16]}"
            )
            body = render(chosen.segments, note)
            return PlainTextResponse(body, media_type=VTT)
        return JSONResponse(transcript_out(transcript, chosen))


@router.get(f"{PATH}/versions", response_model=VersionsOut, summary="Every version, oldest first")
def list_versions(evidence_id: str, client: Client, principal: Authed) -> VersionsOut:
    with unit_of_work() as session:
        transcript = service.open_transcript(
            session, principal, evidence_id, client.ip, {"transcript": "versions"}
        )
        found = queries.versions_of(session, transcript)
        return VersionsOut(
            evidence_id=str(transcript.evidence_id),
            current_version=transcript.current_version,
            versions=[
                VersionOut(
                    version=v.number,
                    kind=v.kind,
                    author=v.author,
                    created_at=v.created_at,
                    note=v.note,
                    words_changed=len(v.changes),
                    changes=v.changes,
                )
                for v in found
            ],
        )


@router.post(
    f"{PATH}/versions",
    response_model=TranscriptOut,
    status_code=201,
    summary="Correct words: a new version (the earlier ones are kept)",
)
def correct(
    evidence_id: str, body: CorrectionIn, client: Client, principal: Authed
) -> JSONResponse:
    changes = [service.Change(c.segment, c.word, c.text) for c in body.changes]
    with unit_of_work() as session:
        transcript, version = service.correct(
            session, principal, evidence_id, body.base_version, changes, body.note, client.ip
        )
        return JSONResponse(transcript_out(transcript, version), status_code=201)


@router.get(
    f"{PATH}/pii",
    response_model=ProposalsOut,
    summary="Personal data the detector proposes to redact, with the words' times",
)
def proposals(
    evidence_id: str,
    client: Client,
    principal: Authed,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> ProposalsOut:
    with unit_of_work() as session:
        transcript = service.open_transcript(
            session, principal, evidence_id, client.ip, {"transcript": "pii"}
        )
        chosen = queries.version_of(session, transcript, version)
        timed = queries.flat_words(chosen.segments)
        evidence, number = str(transcript.evidence_id), chosen.number
    found = queries.proposals(timed)
    return ProposalsOut(
        evidence_id=evidence,
        version=number,
        detector=pii.detector(),
        proposals=[ProposalOut(**p) for p in found],
    )
