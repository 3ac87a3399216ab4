"""`bwv audit …`: integrate, verify, and the checkpoint and key an outsider needs.

Exit codes of `verify`: 0 everything verifies; 1 the log does not verify (the first bad index and
what is wrong are printed); 2 the command could not run (bad key, unreadable checkpoint file,
unreachable database).
"""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from openbwv.audit.keys import SigningKeyError, get_signer, trusted_verifiers
from openbwv.audit.note import Checkpoint, NoteError, Verifier, generate_signer, open_checkpoint
from openbwv.audit.queries import latest_checkpoint
from openbwv.audit.service import AuditIntegrityError, integrate
from openbwv.audit.verification.findings import VerifyReport
from openbwv.audit.verification.queries import verify_log
from openbwv.config import get_settings
from openbwv.db.migrate import upgrade
from openbwv.db.session import get_engine, make_engine, unit_of_work

audit_app = typer.Typer(
    help="The tamper-evident audit log: integrate, sign, verify; its keys.", no_args_is_help=True
)
SHOWN_FINDINGS = 10


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@audit_app.command("integrate")
def integrate_command() -> None:
    """Integrate pending events now and sign a checkpoint (workers also do this every second)."""
    upgrade()
    try:
        result = integrate(wait=True)
    except (AuditIntegrityError, SigningKeyError) as exc:
        raise _fail(f"integration refused: {exc}", 1) from None
    typer.echo(
        f"Integrated {result.integrated} events; tree size {result.tree_size}; "
        f"{result.checkpoints} checkpoints signed."
    )


@audit_app.command("checkpoint")
def checkpoint_command() -> None:
    """Print the latest signed checkpoint (save it outside the platform to detect rewrites)."""
    with unit_of_work() as session:
        latest = latest_checkpoint(session)
        note = latest.note if latest else None
    if note is None:
        raise _fail("no checkpoint has been signed yet", 1)
    typer.echo(note, nl=False)


@audit_app.command("public-key")
def public_key_command() -> None:
    """Print the verifier key of the log's signing key."""
    try:
        typer.echo(get_signer().verifier.key)
    except SigningKeyError as exc:
        raise _fail(str(exc)) from None


@audit_app.command("keygen")
def keygen_command(
    name: str = typer.Option("", help="Key name (default: BWV_AUDIT_ORIGIN)."),
) -> None:
    """Generate a signing key for BWV_AUDIT_SIGNING_KEY (printed once; keep it secret)."""
    try:
        signer, verifier = generate_signer(name or get_settings().audit_origin)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"# verifier key (public): {verifier}", err=True)
    typer.echo(signer)


def _verifiers(public_keys: list[str]) -> list[Verifier]:
    if public_keys:
        try:
            return [Verifier.from_key(key.strip()) for key in public_keys]
        except ValueError as exc:
            raise _fail(f"--public-key: {exc}") from None
    try:
        verifiers = trusted_verifiers(create=False)
    except SigningKeyError as exc:
        raise _fail(str(exc)) from None
    if not verifiers:
        raise _fail("no signing key is configured here: pass the log's --public-key")
    return verifiers


def _saved_checkpoint(path: Path, verifiers: list[Verifier], origin: str) -> Checkpoint:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror}") from None
    try:
        checkpoint, _ = open_checkpoint(text, verifiers)
    except NoteError as exc:
        raise _fail(f"{path} is not a checkpoint signed by a trusted key: {exc}") from None
    if checkpoint.origin != origin:
        raise _fail(f"{path} is a checkpoint of {checkpoint.origin!r}, not of {origin!r}")
    return checkpoint


def _engine(database_url: str | None) -> Engine:
    if database_url is None:
        return get_engine()
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        raise _fail(f"no SQLite database at {url.database}")
    return make_engine(database_url)


def _print_report(report: VerifyReport) -> None:
    rate = report.events / report.seconds if report.seconds else 0.0
    typer.echo(
        f"Audit log: {report.events} events (tree size {report.tree_size}), "
        f"{report.pending} pending, {report.checkpoints} checkpoints (latest "
        f"{report.latest_checkpoint}); checked in {report.seconds:.1f} s ({rate:,.0f} events/s)."
    )
    if report.saved_checkpoint is not None:
        typer.echo(f"Saved checkpoint: tree size {report.saved_checkpoint.size}.")
    if report.ok:
        typer.echo("OK: every event, subtree hash and signed checkpoint verifies.")
        return
    first = report.first
    assert first is not None
    if first.index is not None:
        headline = f"first bad index {first.index}"
    elif first.checkpoint is not None:
        headline = f"first bad checkpoint: tree size {first.checkpoint}"
    else:
        headline = "the log is damaged"
    typer.echo(f"FAILED: {headline}: {first.message}")
    typer.echo(f"{report.total_findings} problems; the first {len(report.findings)}:")
    for finding in report.findings[:SHOWN_FINDINGS]:
        typer.echo(f"  {finding.describe()}")


@audit_app.command("verify")
def verify_command(
    checkpoint: Path | None = typer.Option(
        None, "--checkpoint", help="A checkpoint saved earlier: the log must still contain it."
    ),
    public_key: list[str] = typer.Option(
        [], "--public-key", help="Trust this verifier key instead of the configured one (repeat)."
    ),
    origin: str = typer.Option("", help="The log's origin (default: BWV_AUDIT_ORIGIN)."),
    database_url: str | None = typer.Option(
        None, help="Verify this database (e.g. a restored copy) instead of the configured one."
    ),
) -> None:
    """Recompute the whole log from the stored events and check every signed checkpoint."""
    origin = origin or get_settings().audit_origin
    verifiers = _verifiers(public_key)
    saved = _saved_checkpoint(checkpoint, verifiers, origin) if checkpoint else None
    engine = _engine(database_url)
    try:
        report = verify_log(engine, verifiers, origin, saved)
    except SQLAlchemyError as exc:
        raise _fail(f"cannot read the audit log: {exc.__class__.__name__}: {exc}") from None
    finally:
        if database_url is not None:
            engine.dispose()
    _print_report(report)
    if not report.ok:
        raise typer.Exit(1)
