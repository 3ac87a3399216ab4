"""The load benchmark's data: a force (search_seed's boroughs, teams, officers and cameras), N
evidence items in bulk, an investigator of the first borough with a bearer token, and, for the
items the requests name, what a processed item has: a poster frame (real JPEG bytes in the
derivative store), a strip and a playback row, a GPS track and a probe.

The request mix is the one a force's reviewers make: the evidence list, the search (an
officer, a time window, words), an item's detail and its thumbnail, in equal parts."""

from __future__ import annotations

import io
import random
import subprocess
import sys
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from PIL import Image
from sqlalchemy import select, text
from sqlalchemy.orm import Session

import search_seed
from openbwv.access.admin.service import UserSpec, create_token, create_user
from openbwv.db.session import dispose_engines, get_engine, unit_of_work
from openbwv.evidence.models import Derivative, EvidenceCategory, EvidenceItem
from openbwv.storage.factory import derivatives

KINDS = ("list", "search", "detail", "thumbnail")
RESTRICTED = ["domestic_abuse", "professional_standards"]  # the investigator's role may not see
PAGE_ITEMS = 200


@dataclass(frozen=True)
class Fixture:
    token: str
    item_ids: list[str]
    officers: list[str]
    words: list[str]


def _poster_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 180), (40, 60, 90)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _dress(session: Session, item_ids: list[uuid.UUID], rng: random.Random) -> None:
    stored = derivatives().put_bytes(_poster_bytes())
    for item in session.scalars(select(EvidenceItem).where(EvidenceItem.id.in_(item_ids))):
        strip = {"timestamps": [i * 6.0 for i in range(10)], "tile_width": 160, "tile_height": 90}
        for kind, info in (("poster", {}), ("strip", strip)):
            row = Derivative(evidence_id=item.id, kind=kind, params_hash="0" * 64, info=info)
            row.storage_key, row.sha256 = stored.key, stored.sha256
            row.size_bytes, row.media_type = stored.size, "image/jpeg"
            session.add(row)
        search_seed.add_processing_results(session, item, rng)


def seed(items: int, rng: random.Random) -> Fixture:
    """Migrate and seed the database BWV_DATA_DIR names (the environment is the caller's)."""
    bwv = [sys.executable, "-m", "openbwv.composition"]
    subprocess.run([*bwv, "db", "upgrade"], check=True, capture_output=True)
    with unit_of_work() as session:
        force = search_seed.seed_force(session, rng)
    search_seed.seed_items(get_engine(), force, items, rng)
    borough = force.boroughs[0]
    with unit_of_work() as session:
        user = create_user(
            session,
            UserSpec(
                username="load-investigator",
                display_name="Load Investigator",
                roles=["investigator"],
                borough=borough,
                team="Load CID",
            ),
        )
        token, _ = create_token(session, name="load", role="investigator", user_id=user.id)
        restricted = select(EvidenceCategory.evidence_id).where(
            EvidenceCategory.category.in_(RESTRICTED)
        )
        ids = list(
            session.scalars(
                select(EvidenceItem.id)
                .where(EvidenceItem.borough == borough, EvidenceItem.id.not_in(restricted))
                .limit(PAGE_ITEMS)
            )
        )
        _dress(session, ids, rng)
    with get_engine().connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    dispose_engines()
    officers = [o["username"] for o in force.by_borough[borough]]
    words = [w for w in search_seed.WORDS if len(w) > 3][:20]
    return Fixture(token, [str(i) for i in ids], officers, words)


def requests(fixture: Fixture, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """`count` requests of the mix, in a fixed random order (the same for every server)."""
    made: list[tuple[str, str]] = []
    for number in range(count):
        kind = KINDS[number % len(KINDS)]
        item = rng.choice(fixture.item_ids)
        if kind == "list":
            path = "/api/v1/evidence?limit=20"
        elif kind == "search":
            query = rng.choice(
                [
                    {"officer": rng.choice(fixture.officers), "limit": "20"},
                    {"text": rng.choice(fixture.words), "limit": "20"},
                    {"start": "2026-03-01T00:00", "end": "2026-03-08T00:00", "limit": "20"},
                ]
            )
            path = f"/api/v1/search?{urlencode(query)}"
        elif kind == "detail":
            path = f"/api/v1/evidence/{item}"
        else:
            path = f"/api/v1/evidence/{item}/thumbnail"
        made.append((kind, path))
    rng.shuffle(made)
    return made
