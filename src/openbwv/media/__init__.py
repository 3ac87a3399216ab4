"""Media adapter (PyAV/FFmpeg): probe files, make thumbnails and the web playback copy.

Technology only: no database, storage or business rules. Synthetic test clips live in
:mod:`openbwv.media.synth` (not re-exported: it is a test and demo aid).
"""

from openbwv.media.errors import MediaError
from openbwv.media.playback import PlaybackAction, PlaybackPlan, make_playback_copy, plan_playback
from openbwv.media.probe import ProbeResult, probe
from openbwv.media.thumbnails import StripResult, poster_frame, thumbnail_strip

__all__ = [
    "MediaError",
    "PlaybackAction",
    "PlaybackPlan",
    "ProbeResult",
    "StripResult",
    "make_playback_copy",
    "plan_playback",
    "poster_frame",
    "probe",
    "thumbnail_strip",
]
