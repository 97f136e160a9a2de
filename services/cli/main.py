"""The `aims` command: run the services, issue tokens, replay projections, verify the log."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from shared.http import auth
from shared.platform import connections
from shared.platform.config import SERVICE_PORTS, Settings, get_settings
from shared.platform.runtime import Database, default_workers, open_database, service_env

app = typer.Typer(help="aims: ISO/IEC 42001 AI management system backend", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def fail(message: str) -> None:
    """Print a one-line error and exit non-zero."""
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(1)


def parse_ttl(text: str) -> timedelta:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        return timedelta(seconds=int(text[:-1]) * units[text[-1]])
    except (KeyError, ValueError, IndexError):
        fail(f"--ttl {text!r}: use a number and a unit, e.g. 30m, 8h, 7d")
        raise


@app.command()
def token(
    sub: Annotated[str, typer.Option(help="subject (who the token speaks for)")],
    role: Annotated[list[str], typer.Option(help="a role; repeat for several")],
    ttl: Annotated[str, typer.Option(help="lifetime, e.g. 30m, 8h, 7d")] = "8h",
) -> None:
    """Print a bearer token signed with this deployment's key (subject case-folded)."""
    unknown = sorted(set(role) - set(auth.ROLES))
    if unknown:
        fail(f"unknown role {', '.join(unknown)}; roles are {', '.join(auth.ROLES)}")
    lifetime = parse_ttl(ttl)
    if lifetime > auth.MAX_TTL:
        fail(f"--ttl {ttl}: tokens live at most 24h; issue a new one when it expires")
    try:
        print(auth.issue_token(auth.ensure_key(get_settings()), sub, role, lifetime))
    except (ValueError, RuntimeError) as exc:
        fail(str(exc))


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _spawn(
    service: str, settings: Settings, database: Database, workers: int = 1, pool: int | None = None
) -> subprocess.Popen[bytes]:
    # the application role's URL only: the superuser's password stays in this process
    env = service_env(database, settings.data_dir.resolve(), os.environ)
    if pool is not None:
        env["AIMS_DB_POOL_SIZE"] = str(pool)
    cmd = [
        sys.executable, "-m", "uvicorn", f"services.{service}.main:create", "--factory",
        "--host", settings.host, "--port", str(settings.port_of(service)),
        "--no-access-log", "--log-level", "warning", "--timeout-graceful-shutdown", "5",
        "--workers", str(workers),
    ]  # fmt: skip
    return subprocess.Popen(cmd, env=env)


def _prepare_keys(settings: Settings) -> None:
    """Create the evidence service's keys (checkpoint signing, sealing) if absent, before
    several workers could each create a different one."""
    from services.evidence.concerns.sealing import load_sealer
    from services.evidence.integrity.signing import load_signer

    load_signer(settings.checkpoint_key_path)
    load_sealer(settings.concern_key_path)
    load_sealer(settings.webhook_key_path)


# A service that exits fails the start at once; one still starting (importing, connecting,
# migrating on a busy machine) is given this long.
READY_WITHIN = 180.0


def _wait_ready(settings: Settings, procs: dict[str, subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + READY_WITHIN
    pending = set(procs)
    while pending:
        for name in sorted(pending):
            if procs[name].poll() is not None:
                raise RuntimeError(f"{name} exited with code {procs[name].returncode}")
            probe = "/healthz" if name == "console" else "/readyz"
            url = f"http://{settings.host}:{settings.port_of(name)}{probe}"
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    pending.discard(name)
            except httpx.HTTPError:
                pass
        if time.monotonic() > deadline:
            late = ", ".join(sorted(pending))
            raise RuntimeError(f"not ready after {READY_WITHIN:.0f} s: {late}")
        time.sleep(0.1)


def _terminate(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    for p in procs.values():
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for p in procs.values():
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _rebuild_stale(database: Database) -> None:
    """Rebuild, beside the running services, the read models an older projection version
    built (shadow tables, then one swap); the services serve the old ones meanwhile."""
    import threading

    from services import all_projections
    from shared.kernel.rebuild import rebuild_stale

    def run() -> None:
        try:
            done = asyncio.run(rebuild_stale(
                database.admin_url, all_projections(), factory="services:all_projections",
                workers=os.cpu_count() or 1,
            ))  # fmt: skip
        except Exception as exc:  # the services go on with the old read models
            err.print(f"[yellow]rebuilding stale read models failed: {exc}; run `aims replay`[/]")
            return
        if done:
            out.print(f"read models rebuilt and swapped in: {', '.join(sorted(done))}")

    threading.Thread(target=run, name="aims-rebuild", daemon=True).start()


@app.command()
def up(
    workers: Annotated[int | None, typer.Option(
        min=1, envvar="AIMS_WORKERS",
        help="uvicorn worker processes per service (default: the number of cores)")] = None,
) -> None:  # fmt: skip
    """Start PostgreSQL (embedded unless AIMS_DATABASE_URL is set) and the three services."""
    settings = get_settings()
    per_service = workers or default_workers()
    busy = [f"{s} :{settings.port_of(s)}" for s in (*SERVICE_PORTS, "console")
            if not _port_free(settings.host, settings.port_of(s))]  # fmt: skip
    if busy:
        fail(f"port in use: {', '.join(busy)} (set AIMS_<SERVICE>_PORT to move a service)")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    auth.ensure_key(settings)
    _prepare_keys(settings)  # before the workers start, so none of them races to create one
    try:
        database = open_database(settings)
    except Exception as exc:  # one line for the user; details are in the PostgreSQL log
        fail(f"cannot open the database: {exc}")
        raise
    try:
        budget = _connections(settings, database, per_service, exact=workers is not None)
    except connections.TooFewConnections as exc:
        database.stop()
        fail(str(exc))
        raise
    stop = {"now": False}

    def on_signal(signum: int, _frame: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    procs = {s: _spawn(s, settings, database, budget.workers, budget.pool) for s in SERVICE_PORTS}
    procs["console"] = _spawn("console", settings, database)
    code = 0
    side: dict[str, subprocess.Popen[bytes]] = {}
    try:
        _wait_ready(settings, procs)
        _rebuild_stale(database)
        side["relay"] = _spawn_relay(settings, database)
        for s in SERVICE_PORTS:
            out.print(f"{s:9} http://{settings.host}:{settings.port_of(s)}  (docs: /docs)")
        out.print(f"console   http://{settings.host}:{settings.console_port}/")
        out.print(f"workers   {budget.workers} per service, pools of {budget.pool} connections"
                  f" ({budget.needed} of the {budget.limit} PostgreSQL admits)")  # fmt: skip
        if budget.workers < per_service:
            out.print(f"          (not {per_service}: raise max_connections to run more)")
        where = "embedded PostgreSQL" if database.embedded else "AIMS_DATABASE_URL"
        out.print(f"data      {settings.data_dir.resolve()}  ({where})")
        out.print("aims is up; Ctrl-C stops it.")
        while not stop["now"]:
            dead = [n for n, p in procs.items() if p.poll() is not None]
            if dead:
                err.print(f"[red]{', '.join(dead)} stopped unexpectedly; shutting down[/]")
                code = 1
                break
            _keep_relay(side, settings, database)
            time.sleep(0.2)
    except RuntimeError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        code = 1
    finally:
        _terminate(side)
        _terminate(procs)
        database.stop()
        out.print("aims stopped.")
    raise typer.Exit(code)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err,
    )  # fmt: skip


@app.command()
def replay(
    projection: Annotated[str | None, typer.Option(help="only this projection")] = None,
    workers: Annotated[int, typer.Option(help="processes folding the log")] = os.cpu_count() or 1,
) -> None:
    """Rebuild projections from position zero into shadow tables, then swap them in.

    The services keep serving the current read models meanwhile; the swap is one
    transaction. Needs the schema owner's URL (AIMS_MIGRATION_DATABASE_URL, if set)."""
    import asyncpg

    from services import all_projections
    from shared.kernel.rebuild import RebuildRunning, rebuild

    chosen = [p for p in all_projections() if projection in (None, p.name)]
    if not chosen:
        fail(f"no projection named {projection!r}")
    database = open_database(get_settings())

    async def run() -> None:
        conn = await asyncpg.connect(database.admin_url)
        total = await conn.fetchval("SELECT coalesce(max(position), 0) FROM events")
        await conn.close()
        with _progress() as bar:
            task = bar.add_task(f"rebuilding {len(chosen)} projection(s)", total=total)
            applied = await rebuild(
                database.admin_url, chosen, factory="services:all_projections",
                workers=max(1, workers), progress=partial(bar.advance, task),
            )  # fmt: skip
            bar.update(task, completed=total)
        for p in chosen:
            done = f"{applied[p.name]} events applied" if p.rebuild else "a reactor: no rows"
            err.print(f"{p.name}: {done}")

    try:
        asyncio.run(run())
    except RebuildRunning as exc:
        fail(str(exc))
    except asyncpg.InsufficientPrivilegeError as exc:
        fail(f"{exc}: a rebuild needs the schema owner (set AIMS_MIGRATION_DATABASE_URL)")
    finally:
        database.stop()


@app.command()
def verify(
    pack: Annotated[Path | None, typer.Option(help="verify an exported audit pack offline")] = None,
    public_key: Annotated[Path | None, typer.Option(
        help="the log's verifier key line (GET /v1/log/public-key) or its PEM")] = None,
    witness_state: Annotated[Path | None, typer.Option(
        help="an `aims witness` state directory: check the pack extends what it saw")] = None,
) -> None:  # fmt: skip
    """Verify the hash chain of the log (or an audit pack offline, without a database)."""
    if pack is not None:
        from services.evidence.integrity.verify_pack import verify_pack_cli

        raise typer.Exit(verify_pack_cli(pack, public_key, witness_state, out, err))
    from services.evidence.log.offline import verify_database

    settings = get_settings()
    database = open_database(settings)
    try:
        with _progress() as bar:
            bar.add_task("verifying chain, tree and every checkpoint", total=None)
            report = asyncio.run(verify_database(database.app_url, settings))
    finally:
        database.stop()
    out.print_json(data=report)
    raise typer.Exit(0 if report["ok"] else 2)


@app.command()
def witness(
    url: Annotated[str, typer.Option(help="the evidence service, e.g. http://host:8003")],
    public_key: Annotated[Path, typer.Option(help="file with the log's verifier key line")],
    state: Annotated[Path, typer.Option(help="directory for what this witness has seen")],
    every: Annotated[str | None, typer.Option(help="run again at this interval, e.g. 60s")] = None,
    key: Annotated[Path | None, typer.Option(help="witness Ed25519 key (PEM)")] = None,
    name: Annotated[str | None, typer.Option(help="witness key name")] = None,
) -> None:
    """Check that the log only grows, cosign what verified, and keep it outside the database."""
    from services.cli.witness import witness as run

    seconds = parse_ttl(every).total_seconds() if every else None
    raise typer.Exit(run(url, public_key, state, every=seconds, key_file=key, name=name))


@app.command("clear-alarm")
def clear_alarm(
    reason: Annotated[str, typer.Option(help="what the investigation found")],
    by: Annotated[str, typer.Option(help="who investigated")],
) -> None:
    """Let the checkpoint signer sign again after an integrity alarm was investigated."""
    from services.evidence.log.offline import clear_alarms

    database = open_database(get_settings())
    try:
        n = asyncio.run(clear_alarms(database.admin_url, by, reason))
    finally:
        database.stop()
    out.print(f"{n} alarm(s) cleared")


def _lag(metrics_text: str) -> dict[str, float]:
    lags = {}
    for line in metrics_text.splitlines():
        if line.startswith("aims_projection_lag_events{"):
            name = line.split('projection="', 1)[1].split('"', 1)[0]
            lags[name] = float(line.rsplit(" ", 1)[1])
    return lags


@app.command()
def demo() -> None:
    """Seed a demo organisation through the running services' API (safe to run again)."""
    from services.cli.demo import PHASES, DemoError, seed

    try:
        with _progress() as bar:
            task = bar.add_task("seeding the demo organisation", total=len(PHASES))
            summary = seed(get_settings(), lambda phase: bar.advance(task))
    except DemoError as exc:
        fail(str(exc))
        raise
    out.print(
        f"demo organisation ready: {summary['systems']} AI systems, {summary['risks']} "
        f"risks, SoA of {summary['controls']} controls (log position {summary['position']})"
    )
    settings = get_settings()
    out.print(f"console: http://{settings.host}:{settings.console_port}/  (sign in with "
              "`aims token --sub you --role auditor`)")  # fmt: skip


@app.command()
def status() -> None:
    """Services, database, projection lag and the last signed checkpoint."""
    settings = get_settings()
    table = Table("service", "url", "ready", "projection lag (events)")
    healthy = True
    for s in SERVICE_PORTS:
        url = f"http://{settings.host}:{settings.port_of(s)}"
        try:
            ready = httpx.get(url + "/readyz", timeout=2)
            lag = _lag(httpx.get(url + "/metrics", timeout=2).text)
            state = "yes" if ready.status_code == 200 else f"no ({ready.json().get('detail')})"
            lags = ", ".join(f"{k}={int(v)}" for k, v in sorted(lag.items())) or "-"
        except httpx.HTTPError:
            state, lags = "not running", "-"
        healthy = healthy and state == "yes"
        table.add_row(s, url, state, lags)
    out.print(table)
    if healthy:
        key = auth.ensure_key(settings)
        tok = auth.issue_token(key, "aims-cli", ["auditor"], timedelta(minutes=1))
        ev = f"http://{settings.host}:{settings.evidence_port}/v1/integrity"
        r = httpx.get(ev, headers={"Authorization": f"Bearer {tok}"}, timeout=60)
        if r.status_code == 200:
            body = r.json()
            out.print(f"log: {body['events_verified']} events, chain ok={body['ok']}, "
                      f"head {body['head']['position']}")  # fmt: skip
            cp = body.get("checkpoint") or body.get("latest_checkpoint")
            out.print(f"last checkpoint: {cp or 'none yet'}")
    raise typer.Exit(0 if healthy else 1)


@app.command()
def export(
    out_file: Annotated[Path, typer.Option("--out", help="zip file to write")],
    system_id: Annotated[str | None, typer.Option(help="only this AI system (UUID)")] = None,
    frm: Annotated[str | None, typer.Option("--from", help="RFC 3339 start time")] = None,
    to: Annotated[str | None, typer.Option(help="RFC 3339 end time")] = None,
) -> None:
    """Write an audit pack: the same zip as GET /v1/exports/audit-pack."""
    import uuid
    from datetime import UTC, datetime

    from services.evidence.integrity.pack import export_file

    def when(text: str | None, flag: str) -> datetime | None:
        if text is None:
            return None
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            fail(f"{flag} {text!r} is not an RFC 3339 time")
            raise
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    try:
        system = uuid.UUID(system_id) if system_id else None
    except ValueError:
        fail(f"--system-id {system_id!r} is not a UUID")
        raise
    settings = get_settings()
    database = open_database(settings)
    try:
        asyncio.run(export_file(
            database.app_url, out_file, settings.checkpoint_key_path,
            origin=settings.log_origin, witness_keys=settings.witness_key_lines,
            system_id=system, frm=when(frm, "--from"), to=when(to, "--to"),
            actor=f"cli:{os.getenv('USER') or 'aims'}",
        ))  # fmt: skip
    finally:
        database.stop()
    out.print(f"audit pack written to {out_file}")


@app.command()
def relay() -> None:
    """Relay the log to webhook subscriptions and, with AIMS_NATS_URL, to NATS JetStream."""
    from services.relay.main import main as relay_main

    settings = get_settings()
    database = open_database(settings) if not settings.database_url else None
    if database is not None:
        settings = settings.model_copy(update={"database_url": database.app_url})
    try:
        relay_main(settings)
    finally:
        if database is not None:
            database.stop()


def _connections(
    settings: Settings, database: Database, workers: int, exact: bool
) -> connections.Plan:
    """Workers per service and pool sizes within the connections the server admits."""
    from services.relay.config import RelaySettings

    limit = asyncio.run(connections.server_limit(database.admin_url))
    relay = RelaySettings().webhook_concurrency + 5  # its pool (concurrency + 4), its LISTEN
    return connections.plan(limit, workers, settings.db_pool_size, relay, exact_workers=exact)


def _spawn_relay(settings: Settings, database: Database) -> subprocess.Popen[bytes]:
    """The relay as a process of its own: it can fail, and be restarted, alone."""
    env = service_env(database, settings.data_dir.resolve(), os.environ)
    return subprocess.Popen([sys.executable, "-m", "services.cli.main", "relay"], env=env)


def _keep_relay(side: dict[str, subprocess.Popen[bytes]], settings: Settings,
                database: Database) -> None:  # fmt: skip
    """Start the relay again if it stopped (the services go on meanwhile)."""
    if side["relay"].poll() is not None:
        err.print(f"[yellow]relay exited with code {side['relay'].returncode}; restarting[/]")
        side["relay"] = _spawn_relay(settings, database)


@app.command()
def migrate() -> None:
    """Apply database migrations and exit."""
    database = open_database(get_settings())
    database.stop()
    out.print("schema is current")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
