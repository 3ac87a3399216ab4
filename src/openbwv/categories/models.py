"""The category table (reference data: built-ins plus what administrators add)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from openbwv.db.base import Base


class Category(Base):
    """Drives retention and access. Restricted categories need an explicit grant to view."""

    __tablename__ = "categories"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    restricted: Mapped[bool] = mapped_column(default=False)
    evidential: Mapped[bool] = mapped_column(default=True)
    retention_days: Mapped[int | None] = mapped_column()  # None: review, never automatic
    builtin: Mapped[bool] = mapped_column(default=False)
