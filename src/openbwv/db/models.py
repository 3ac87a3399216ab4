"""Import every domain's models so the metadata (and Alembic) sees all tables."""

from openbwv.access import models as access_models
from openbwv.audit import models as audit_models
from openbwv.cases import models as cases_models
from openbwv.db.base import Base
from openbwv.evidence import markers as evidence_markers
from openbwv.evidence import models as evidence_models
from openbwv.evidence import notes as evidence_notes
from openbwv.evidence import saved as evidence_saved
from openbwv.fleet import models as fleet_models
from openbwv.ingest import models as ingest_models
from openbwv.ingest.axis import models as axis_models
from openbwv.jobs import models as jobs_models

__all__ = [
    "Base",
    "access_models",
    "audit_models",
    "axis_models",
    "cases_models",
    "evidence_markers",
    "evidence_models",
    "evidence_notes",
    "evidence_saved",
    "fleet_models",
    "ingest_models",
    "jobs_models",
]
