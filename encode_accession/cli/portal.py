"""`encode-accession portal serve|load`: run the local portal or fill its database.

`register(subparsers)` adds the `portal` command group to the main CLI; `main()` runs the
group on its own (`python -m encode_accession.cli.portal serve ...`).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from encode_accession.core.errors import InputError
from encode_accession.localportal import (
    FaultConfig,
    Faults,
    LocalPortal,
    PortalApp,
    UploadConfig,
    load_file,
)
from encode_accession.localportal.app import DEFAULT_MAX_BODY_BYTES
from encode_accession.localportal.identity import MD5_RULES
from encode_accession.localportal.ontology import load_ontology
from encode_accession.localportal.portal import default_upload_dir
from encode_accession.localportal.server import create_server
from encode_accession.localportal.uploads import DEFAULT_BUCKET
from encode_accession.localportal.workbook import load_workbook
from encode_accession.portal.profiles import SNAPSHOT, snapshot, write_snapshot
from encode_accession.portal.servers import default_local_db


def register(subparsers: Any) -> None:
    portal = subparsers.add_parser("portal", help="the local ENCODE portal (a test double)")
    commands = portal.add_subparsers(title="portal commands")

    serve = commands.add_parser("serve", help="serve the local portal over HTTP or HTTPS")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    _add_db(serve)
    serve.add_argument("--load", action="append", default=[], metavar="FILE",
                       help="JSON object(s) to import first, e.g. a portal export (repeatable)")
    serve.add_argument("--workbook", type=Path, metavar="DIR",
                       help="load the portal's test inserts folder first (encoded-inserts)")
    serve.add_argument("--ontology", type=Path, metavar="FILE",
                       help="encoded's ontology.json: slims and names of ontology terms")
    serve.add_argument("--tls", action="store_true",
                       help="serve HTTPS with a generated self-signed certificate")
    serve.add_argument("--key", help="accept this access key id too (default: $DCC_API_KEY)")
    serve.add_argument("--secret", help="its secret (default: $DCC_SECRET_KEY)")
    serve.add_argument("--s3-endpoint",
                       help="external S3 endpoint for uploads (e.g. a moto server); without "
                            "one the portal serves its own S3 at <url>/_s3")
    serve.add_argument("--s3-bucket", default=DEFAULT_BUCKET)
    serve.add_argument("--upload-dir", type=Path,
                       help="where the portal's own S3 keeps objects (default: beside the db)")
    serve.add_argument("--latency-ms", type=float, default=0.0, help="added to every request")
    serve.add_argument("--error-rate", type=float, default=0.0,
                       help="fraction of requests answered 503 before any work")
    serve.add_argument("--drop-rate", type=float, default=0.0,
                       help="fraction of POSTs committed and then answered by a dropped connection")
    serve.add_argument("--fault-seed", type=int, help="seed for reproducible faults")
    serve.add_argument("--max-body-mb", type=float, default=DEFAULT_MAX_BODY_BYTES / 2**20,
                       help="larger request bodies are answered 413 (default: %(default)g)")
    serve.add_argument("--request-log", type=Path, metavar="FILE",
                       help="append one 'METHOD PATH STATUS ARRIVED' line per request "
                            "(ARRIVED: Unix time; benchmarks, rate checks)")
    serve.add_argument("--md5-rule", choices=MD5_RULES, default="current",
                       help="current: duplicate md5 conflicts only for raw data; strict: "
                            "pre-2024 rule, conflicts for every lab but the pipeline lab")
    serve.set_defaults(handler=serve_command)

    profiles = commands.add_parser(
        "profiles", help="write a profiles snapshot from a portal's schemas folder or /profiles/")
    profiles.add_argument("--from", dest="source", required=True, metavar="DIR|URL",
                          help="the portal's src/encoded/schemas folder, or a portal URL")
    profiles.add_argument("--output", type=Path, default=SNAPSHOT,
                          help="where to write it (default: the snapshot the package ships)")
    profiles.set_defaults(handler=profiles_command)

    load = commands.add_parser("load", help="import JSON objects into a local portal database")
    _add_db(load)
    load.add_argument("files", nargs="*", type=Path)
    load.add_argument("--workbook", type=Path, metavar="DIR",
                      help="the portal's test inserts folder (encoded-inserts)")
    load.add_argument("--ontology", type=Path, metavar="FILE",
                      help="encoded's ontology.json: slims and names of ontology terms")
    load.set_defaults(handler=load_command)


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, default=None,
                        help="SQLite database (default: $ENCODE_LOCAL_PORTAL_DB or "
                             "./local_portal.sqlite); created with demo data if new")


def _key_pair(args: argparse.Namespace) -> tuple[str, str] | None:
    key = args.key or os.environ.get("DCC_API_KEY")
    secret = args.secret or os.environ.get("DCC_SECRET_KEY")
    if bool(key) != bool(secret):
        raise InputError("portal serve", "--key/--secret", "only half of a key pair was given",
                         "give both (or set DCC_API_KEY and DCC_SECRET_KEY), or neither")
    return (key, secret) if key and secret else None


def _rate(name: str, value: float) -> float:
    if not 0 <= value <= 1:
        raise InputError("portal serve", name, f"{value} is not a fraction", "use 0 to 1")
    return value


def serve_command(args: argparse.Namespace) -> int:
    db = args.db or default_local_db()
    faults = FaultConfig(latency_ms=args.latency_ms, seed=args.fault_seed,
                         error_rate=_rate("--error-rate", args.error_rate),
                         drop_rate=_rate("--drop-rate", args.drop_rate))
    uploads = UploadConfig(args.upload_dir or default_upload_dir(db), args.s3_endpoint,
                           args.s3_bucket)
    portal = LocalPortal(db, md5_rule=args.md5_rule, uploads=uploads)
    _load_ontology(portal, args.ontology)
    if args.workbook:
        _load_workbook(portal, args.workbook)
    for path in args.load:
        load_file(portal, path)
    key_pair = _key_pair(args)
    if key_pair:
        portal.add_access_key(*key_pair)
    portal.uploads.ensure_bucket()
    app = PortalApp(portal, Faults(faults), max_body_bytes=int(args.max_body_mb * 2**20))
    server, url, cert = create_server(app, args.host, args.port,
                                      tls_dir=db.with_suffix(".tls") if args.tls else None,
                                      request_log=args.request_log)
    ca = f", CA bundle {cert}" if cert else ""
    print(f"local ENCODE portal serving at {url} (db {db}{ca})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _load_workbook(portal: LocalPortal, inserts: Path) -> None:
    report = load_workbook(portal, inserts)
    print(f"{inserts}: {sum(report.loaded.values())} of {sum(report.rows.values())} workbook "
          f"items loaded, {len(report.refused)} refused by the profiles", flush=True)
    for item_type, at_id, errors in report.refused:
        print(f"  {item_type} {at_id}: {'; '.join(errors)}", flush=True)


def _load_ontology(portal: LocalPortal, path: Path | None) -> None:
    if path is not None:
        print(f"{path}: {load_ontology(portal.store, path)} ontology terms loaded", flush=True)


def load_command(args: argparse.Namespace) -> int:
    if not args.files and not args.workbook and not args.ontology:
        raise InputError("portal load", "files", "nothing to load",
                         "give JSON files, --workbook DIR and/or --ontology FILE")
    portal = LocalPortal(args.db or default_local_db())
    _load_ontology(portal, args.ontology)
    if args.workbook:
        _load_workbook(portal, args.workbook)
    for path in args.files:
        print(f"{path}: {len(load_file(portal, path))} objects loaded")
    return 0


def profiles_command(args: argparse.Namespace) -> int:
    try:
        profiles = snapshot(args.source)
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(args.source, "--from", f"cannot read profiles: {exc}",
                         "give the portal's schemas folder or a portal URL") from None
    write_snapshot(profiles, args.output)
    print(f"{args.output}: {len(profiles.schemas)} profiles from {args.source}")
    return 0
