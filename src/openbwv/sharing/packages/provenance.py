"""provenance.jsonld: the package in the CASE/UCO ontology (caseontology.org, JSON-LD), for
forensic tools that read it: each item's original as a `uco-observable:File` with its SHA-256,
its acquisition (an `InvestigativeAction` with the camera as instrument, the officer as
performer, the recording's start and end and the first GPS fix as location), each playback copy
derived from it, and every custody event (audit leaf) as an action on the item."""

from __future__ import annotations

import json
from typing import Any

from openbwv.sharing.packages.contents import ItemPlan, Plan

CONTEXT = {
    "kb": "urn:openbwv:",
    "case-investigation": "https://ontology.caseontology.org/case/investigation/",
    "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/",
    "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
    "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
    "uco-location": "https://ontology.unifiedcyberontology.org/uco/location/",
    "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
    "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
    "uco-vocabulary": "https://ontology.unifiedcyberontology.org/uco/vocabulary/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
NAME = "provenance.jsonld"


def _time(value: str | None) -> dict[str, str] | None:
    return {"@type": "xsd:dateTime", "@value": value} if value else None


def _file(node_id: str, name: str, sha256: str | None, size: int | None) -> dict[str, Any]:
    facets: list[dict[str, Any]] = [
        {"@type": "uco-observable:FileFacet", "uco-observable:fileName": name}
    ]
    if size is not None:
        facets[0]["uco-observable:sizeInBytes"] = {"@type": "xsd:integer", "@value": str(size)}
    if sha256:
        facets.append(
            {
                "@type": "uco-observable:ContentDataFacet",
                "uco-observable:hash": [
                    {
                        "@type": "uco-types:Hash",
                        "uco-types:hashMethod": {
                            "@type": "uco-vocabulary:HashNameVocab",
                            "@value": "SHA256",
                        },
                        "uco-types:hashValue": {"@type": "xsd:hexBinary", "@value": sha256},
                    }
                ],
            }
        )
    return {"@id": node_id, "@type": "uco-observable:File", "uco-core:hasFacet": facets}


def _clean(node: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in node.items() if value is not None}


def _acquisition(item: ItemPlan, file_id: str) -> list[dict[str, Any]]:
    meta, key = item.metadata, str(item.evidence_id)
    nodes: list[dict[str, Any]] = []
    camera_id = officer_id = location_id = None
    if meta.get("camera_serial"):
        camera_id = f"kb:camera-{meta['camera_serial']}"
        nodes.append(
            {
                "@id": camera_id,
                "@type": "uco-observable:Device",
                "uco-core:hasFacet": [
                    {
                        "@type": "uco-observable:DeviceFacet",
                        "uco-observable:deviceType": "body-worn camera",
                        "uco-observable:serialNumber": meta["camera_serial"],
                    }
                ],
            }
        )
    if meta.get("officer"):
        officer_id = f"kb:officer-{meta['officer']}"
        nodes.append(
            {"@id": officer_id, "@type": "uco-identity:Person", "uco-core:name": meta["officer"]}
        )
    track = meta.get("gps_track") or []
    if track:
        location_id = f"kb:location-{key}"
        _, lat, lon = track[0][:3]
        nodes.append(
            {
                "@id": location_id,
                "@type": "uco-location:Location",
                "uco-core:hasFacet": [
                    {
                        "@type": "uco-location:LatLongCoordinatesFacet",
                        "uco-location:latitude": {"@type": "xsd:decimal", "@value": str(lat)},
                        "uco-location:longitude": {"@type": "xsd:decimal", "@value": str(lon)},
                    }
                ],
            }
        )
    nodes.append(
        _clean(
            {
                "@id": f"kb:acquisition-{key}",
                "@type": "case-investigation:InvestigativeAction",
                "uco-core:name": "recorded by body-worn camera",
                "uco-action:startTime": _time(meta.get("recorded_start")),
                "uco-action:endTime": _time(meta.get("recorded_end")),
                "uco-action:performer": {"@id": officer_id} if officer_id else None,
                "uco-action:instrument": [{"@id": camera_id}] if camera_id else None,
                "uco-action:location": [{"@id": location_id}] if location_id else None,
                "uco-action:result": [{"@id": file_id}],
            }
        )
    )
    return nodes


def _custody(
    item: ItemPlan, file_id: str, actors: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    nodes = []
    for event in item.custody:
        doc = event.document
        actor = doc.get("actor") or {}
        actor_id = f"kb:actor-{actor.get('id') or actor.get('name') or 'anonymous'}"
        actors.setdefault(
            actor_id,
            {
                "@id": actor_id,
                "@type": "uco-identity:Identity",
                "uco-core:name": actor.get("name") or "anonymous",
                "uco-core:description": f"audit actor ({actor.get('kind') or 'anonymous'})",
            },
        )
        nodes.append(
            {
                "@id": f"kb:audit-leaf-{event.leaf_index}",
                "@type": "case-investigation:InvestigativeAction",
                "uco-core:name": doc.get("action", ""),
                "uco-core:description": f"audit log leaf {event.leaf_index}, result "
                f"{doc.get('result', '')}; proof in custody/events.jsonl",
                "uco-action:startTime": _time(doc.get("time")),
                "uco-action:performer": {"@id": actor_id},
                "uco-action:object": [{"@id": file_id}],
            }
        )
    return nodes


def document(plan: Plan, playback_hashes: dict[str, str]) -> dict[str, Any]:
    """The graph; `playback_hashes` maps an item id to its exported copy's SHA-256 (if any)."""
    graph: list[dict[str, Any]] = []
    actors: dict[str, dict[str, Any]] = {}
    files = []
    for item in plan.items:
        key = str(item.evidence_id)
        file_id = f"kb:evidence-{key}"
        files.append({"@id": file_id})
        graph.append(
            _file(file_id, item.original_name, item.sha256, item.metadata.get("size_bytes"))
        )
        graph += _acquisition(item, file_id)
        if item.playback is not None:
            copy_id = f"kb:playback-{key}"
            graph.append(_file(copy_id, "playback.mp4", playback_hashes.get(key), None))
            graph.append(
                {
                    "@id": f"kb:transcoding-{key}",
                    "@type": "case-investigation:InvestigativeAction",
                    "uco-core:name": "browser-playable copy made (not the original)",
                    "uco-action:object": [{"@id": file_id}],
                    "uco-action:result": [{"@id": copy_id}],
                }
            )
        graph += _custody(item, file_id, actors)
    graph += actors.values()
    graph.insert(
        0,
        {
            "@id": f"kb:case-{plan.case['id']}",
            "@type": "case-investigation:Investigation",
            "uco-core:name": plan.case["crime_reference"],
            "uco-core:description": plan.case.get("title") or "",
            "uco-core:object": files,
        },
    )
    return {"@context": CONTEXT, "@graph": graph}


def encode(value: dict[str, Any]) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
