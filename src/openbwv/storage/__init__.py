"""Object storage adapters (technology only, no business logic): local disk and S3."""

from openbwv.storage.base import ObjectNotFound, ObjectStore, PutResult, StorageError
from openbwv.storage.factory import open_store

__all__ = ["ObjectNotFound", "ObjectStore", "PutResult", "StorageError", "open_store"]
