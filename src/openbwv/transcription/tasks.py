"""The transcription job (queue `ml`): decode the recording's sound in blocks, transcribe each
(voice activity detection first: silence is never decoded), keep each block's result as it is
made, and record the transcript once every block is done.

Phase one is idempotent and resumable: a block already transcribed by an earlier attempt (the
worker crashed, the machine restarted) is skipped, because the blocks are cut at the same places
every time (`media.audio.blocks`). Phase two writes version 1 and drops the blocks.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from openbwv.db.session import unit_of_work
from openbwv.evidence.tasks import local_media, media_source
from openbwv.jobs.models import Job
from openbwv.jobs.registry import register
from openbwv.media import audio
from openbwv.speech.engine import Engine, Result
from openbwv.transcription import queries, service
from openbwv.transcription.engines import engine
from openbwv.transcription.models import TranscriptBlock
from openbwv.transcription.settings import transcription_settings

Finish = Callable[[Session], dict[str, Any] | None]


def _stored(job_id: uuid.UUID) -> list[dict[str, Any]]:
    with unit_of_work() as session:
        return [
            {"first": b.first_sample, "end": b.end_sample, "result": b.result}
            for b in queries.blocks_done(session, job_id)
        ]


def _keep(job_id: uuid.UUID, block: audio.Block, result: dict[str, Any]) -> None:
    with unit_of_work() as session:
        session.merge(
            TranscriptBlock(
                job_id=job_id,
                first_sample=block.first,
                end_sample=block.end_sample,
                result=result,
            )
        )


def _as_json(result: Result) -> dict[str, Any]:
    return {
        "language": result.language,
        "speech_seconds": result.speech_seconds,
        "segments": [
            {
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "avg_logprob": s.avg_logprob,
                "no_speech_prob": s.no_speech_prob,
                "words": [{**asdict(w), "low_confidence": w.low_confidence} for w in s.words],
            }
            for s in result.segments
        ],
        "gaps": [asdict(g) for g in result.gaps],
    }


@register("transcribe", queue="ml")
def transcribe(job: Job) -> Finish:
    assert job.evidence_id is not None
    settings = transcription_settings()
    done = _stored(job.id)
    resume_at = done[-1]["end"] if done else 0
    made = 0
    speaker: Engine | None = None
    with local_media(media_source(job.evidence_id)) as path:
        sound = audio.has_audio(path)
        if sound:
            for block in audio.blocks(path, settings.block_seconds, start=resume_at):
                speaker = speaker or engine()
                result = _as_json(speaker.transcribe(block.samples, offset=block.start))
                _keep(job.id, block, result)
                done.append({"first": block.first, "end": block.end_sample, "result": result})
                made += 1
    speaker = speaker or engine()
    assembled = _assemble(done, speaker, sound)

    def finish(session: Session) -> dict[str, Any]:
        assert job.evidence_id is not None
        transcript = service.save_machine(session, job.evidence_id, assembled)
        service.forget_jobs_blocks(session, job.id)
        return {
            "transcript": str(transcript.id),
            "blocks": len(done),
            "blocks_this_attempt": made,
            "resumed_at_seconds": round(resume_at / audio.RATE, 3),
            "words": sum(len(s["words"]) for s in assembled.segments),
        }

    return finish


def _assemble(done: list[dict[str, Any]], speaker: Engine, sound: bool) -> service.Made:
    duration = done[-1]["end"] / audio.RATE if done else 0.0
    segments = [s for b in done for s in b["result"]["segments"]]
    gaps = _merged([g for b in done for g in b["result"]["gaps"]])
    if not sound:
        gaps = [{"start": 0.0, "end": 0.0, "reason": "no sound track"}]
    languages = [b["result"]["language"] for b in done if b["result"]["segments"]]
    return service.Made(
        language=max(set(languages), key=languages.count) if languages else "",
        model=speaker.model.to_dict(),
        settings={**speaker.settings, "block_seconds": transcription_settings().block_seconds},
        duration_seconds=round(duration, 3),
        speech_seconds=round(sum(b["result"]["speech_seconds"] for b in done), 3),
        segments=segments,
        not_transcribed=gaps,
    )


def _merged(gaps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Silences that meet at a block boundary become one."""
    merged: list[dict[str, Any]] = []
    for gap in sorted(gaps, key=lambda g: g["start"]):
        last = merged[-1] if merged else None
        if last and last["reason"] == gap["reason"] and gap["start"] - last["end"] < 0.05:
            last["end"] = max(last["end"], gap["end"])
        else:
            merged.append(dict(gap))
    return merged


KINDS = ("transcribe",)
