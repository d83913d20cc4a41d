"""WSGI routing for the local portal: the real portal's URLs, status codes and envelopes.

Reads: items by any identifier (301 to the canonical @id), frames, `datastore=database`,
`/search/`, `/profiles/`, downloads, each showing only what the caller may view
(`permissions.py`). Writes: POST to a collection, PATCH an item,
`@@upload`, and `/_checkfiles`. Faults are injected here, before any work. Reads never run
checkfiles: the portal's own S3 endpoint (``s3``, served beside this app) runs it when an
upload completes, the server's idle loop for an external bucket.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from encode_accession.localportal.auth import (
    User,
    authenticate,
    can_edit,
    check_can_edit,
    principals_of,
    require_user,
)
from encode_accession.localportal.faults import DROP_CONNECTION, Faults
from encode_accession.localportal.frames import RenderContext
from encode_accession.localportal.identity import resolve
from encode_accession.localportal.permissions import Access
from encode_accession.localportal.portal import RENEWABLE_STATUSES, UPLOAD_SHEET, LocalPortal
from encode_accession.localportal.problems import HTTPProblem
from encode_accession.localportal.profiles import profiles
from encode_accession.localportal.s3 import S3Endpoint
from encode_accession.localportal.search import search
from encode_accession.localportal.store import Item

_EMBEDDED_FRAMES = ("embedded", "page")
# Largest request body accepted: room for a document with a big metadata.json attached, while
# a runaway body is refused (413) before it is read into memory.
DEFAULT_MAX_BODY_BYTES = 64 << 20
log = logging.getLogger(__name__)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status, headers=headers, mimetype="application/json")


def _result(graph: list[dict[str, Any]], status: int = 200, **headers: str) -> Response:
    return json_response({"status": "success", "@type": ["result"], "@graph": graph}, status,
                         headers)


def _annotated(item_type: str, admin: bool) -> dict[str, Any]:
    schema = dict(profiles().schema(item_type))
    schema["@type"] = ["JSONSchema"]
    if not admin:
        schema["properties"] = {
            name: {**spec, "readonly": True} if "permission" in spec else spec
            for name, spec in schema["properties"].items()}
    return schema


def _denied(view: str) -> HTTPProblem:
    """Pyramid's answer to a view whose permission the caller lacks, anonymous or not (it
    names the view, never the item: a hidden item's @id is not told)."""
    return HTTPProblem(403, f"Unauthorized: {view} failed permission check")


def _check_view(access: Access, item: Item, view: str = "item_view") -> None:
    if not access.allows(item):
        raise _denied(view)


class PortalApp:
    """The WSGI application; `portal` holds the data, `faults` the injected misbehaviour,
    `s3` the portal's own S3 endpoint (None when uploads go to an external one)."""

    def __init__(self, portal: LocalPortal, faults: Faults | None = None, *,
                 max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.portal = portal
        self.faults = faults or Faults()
        self.max_body_bytes = max_body_bytes
        self.s3 = None if portal.uploads.external else S3Endpoint(portal, self.faults)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self.handle(request)(environ, start_response)

    def handle(self, request: Request) -> Response:
        failure = self.faults.before_request()
        if failure:
            retry_after = self.faults.config.retry_after
            response = json_response(HTTPProblem(failure, "injected fault").body(), failure,
                                     {"Retry-After": retry_after} if retry_after else None)
        else:
            try:
                user = authenticate(self.portal.store, request.authorization,
                                    "Authorization" in request.headers)
                response = self._route(request, user)
            except HTTPProblem as problem:
                response = json_response(problem.body(), problem.code)
            except Exception:  # a bug here must still answer in the portal's JSON shape
                log.exception("%s %s failed", request.method, request.path)
                internal = HTTPProblem(500, "internal error in the local portal; see its log")
                response = json_response(internal.body(), 500)
            if response.status_code < 300 and self.faults.drop_after_commit(request.method):
                request.environ[DROP_CONNECTION] = True
        response.headers["X-Request-URL"] = request.url
        return response

    # -- routing -------------------------------------------------------------------------

    def _route(self, request: Request, user: User | None) -> Response:
        path, method = request.path, request.method
        if method in ("GET", "HEAD"):
            return self._get(request, path, user)
        if request.mimetype != "application/json":
            raise HTTPProblem(415, f"{request.mimetype or 'None'} is not 'application/json'")
        body = self._json_body(request)
        if not isinstance(body, dict):
            raise HTTPProblem(400, "The request body must be a JSON object")
        user = require_user(user)
        if method == "POST" and path.rstrip("/") == "/_checkfiles":
            ctx = self.portal.context()
            return _result([ctx.object_frame(i) for i in self.portal.checkfiles()])
        if method == "POST" and path.endswith("@@upload"):
            item = self._item(path.rsplit("@@", 1)[0])
            check_can_edit(user, item)
            refreshed = self._written_for(user, lambda: self._renewed(item))
            creds = self.portal.store.get_sheet(item.uuid, UPLOAD_SHEET) or {}
            return _result([{**self.portal.context().object_frame(refreshed),
                             "upload_credentials": self._served(creds, request)}])
        if method == "POST":
            return self._create(request, body, user)
        if method == "PATCH":
            target = self._item(path)
            item = self._written_for(user, lambda: self.portal.update(target, body, user))
            return _result([self._with_credentials(item, user, request)])
        raise HTTPProblem(405, f"{method} is not supported here; use POST or PATCH")

    def _json_body(self, request: Request) -> Any:
        """The decoded body: 413 past the size limit (checked before reading), 400 for bytes
        that are not JSON or nest too deeply for the decoder."""
        request.max_content_length = self.max_body_bytes
        try:
            return json.loads(request.get_data())
        except RequestEntityTooLarge:
            raise HTTPProblem(413, f"the request body is larger than {self.max_body_bytes} "
                                   "bytes") from None
        except (ValueError, RecursionError):
            raise HTTPProblem(400, "The request body is not valid JSON (or nests too "
                                   "deeply)") from None

    def _item(self, path: str) -> Item:
        item = resolve(self.portal.store, self.portal.types, path)
        if item is None:
            raise HTTPProblem(404, path)
        return item

    def _create(self, request: Request, body: dict[str, Any], user: User) -> Response:
        segments = [s for s in request.path.split("/") if s]
        itype = self.portal.types.lookup(segments[0]) if len(segments) == 1 else None
        if itype is None:
            raise HTTPProblem(404, f"{request.path} is not a collection one can POST to")
        item = self._written_for(user, lambda: self.portal.create(itype, body, user))
        return _result([self._with_credentials(item, user, request)], 201, Location=item.at_id)

    def _renewed(self, item: Item) -> Item:
        """Fresh upload credentials (stored with the file), and the file as it is now."""
        self.portal.upload_credentials(item, renew=True)
        return self.portal.store.get(item.uuid) or item

    def _written_for(self, user: User, write: Callable[[], Item]) -> Item:
        """A write whose result the caller may not view is undone: snovault renders it with
        `request.embed(..., '@@object', as_user=True)`, whose 403 aborts the transaction (a
        lab's submitter outside its award's viewing group may edit but not view)."""
        with self.portal.store.write():
            item = write()
            if not Access(user.principals, self.portal.context().item).allows(item):
                raise _denied("item_view_object")
        return item

    def _with_credentials(self, item: Item, user: User | None,
                          request: Request) -> dict[str, Any]:
        """The object frame; uploading files add their credentials for those who may edit."""
        frame = self.portal.context().object_frame(item)
        if item.item_type == "file" and item.props.get("status") in RENEWABLE_STATUSES \
                and can_edit(user, item):
            creds = self.portal.store.get_sheet(item.uuid, UPLOAD_SHEET)
            if creds:
                frame["upload_credentials"] = self._served(creds, request)
        return frame

    def _served(self, creds: dict[str, Any], request: Request) -> dict[str, Any]:
        return self.portal.uploads.served(creds, request.host_url)

    def _get(self, request: Request, path: str, user: User | None) -> Response:
        args = request.args
        ctx = self.portal.context()
        access = Access(principals_of(user), ctx.item)
        if path == "/":
            return json_response({"@id": "/", "@type": ["Portal"], "title": "ENCODE local portal"})
        if path.rstrip("/") == "/search":
            return self._search(ctx, access, args, request.full_path)
        if path.startswith("/profiles"):
            return self._profiles(path, user)
        if path.rstrip("/") == "/_indexer":
            return json_response({"status": "waiting"})
        if "@@upload" in path:
            item = self._item(path.rsplit("@@", 1)[0])
            check_can_edit(require_user(user), item)
            creds = self._served(self.portal.upload_credentials(item, renew=False), request)
            return json_response({"@graph": [{"@id": item.at_id, "upload_credentials": creds}]})
        if "@@download" in path:
            return self._download(path, access)
        segments = [s for s in path.split("/") if s]
        listed = self.portal.types.collection_type(segments[0]) if len(segments) == 1 \
            else None
        if listed is not None:
            if not access.may_list(listed):
                raise _denied("collection_list")
            return self._search(ctx, access,
                                MultiDict([*args.items(multi=True), ("type", listed)]),
                                request.full_path, collection=(listed, path))
        item = self._item(path)
        _check_view(access, item)  # before the canonical redirect, as encoded's BeforeRender
        if unquote(item.at_id) != path:
            query = request.query_string.decode()
            location = item.at_id + (f"?{query}" if query else "")
            return Response(status=301, headers={"Location": location})
        database = args.get("datastore") == "database" or \
            request.headers.get("X-Datastore") == "database"
        frame = args.get("frame", "page")
        if frame == "page" and item.item_type == "user" and access.allows(item, "view_details"):
            return json_response(ctx.user_details(item))
        body = ctx.embedded_frame(item) if frame in _EMBEDDED_FRAMES else \
            (self._with_credentials(item, user, request) if database else ctx.object_frame(item))
        return json_response(body)

    def _search(self, ctx: RenderContext, access: Access, args: MultiDict, url: str,
                collection: tuple[str, str] | None = None) -> Response:
        """`/search/`, or a collection's listing (`/<collection>/`: every item of its type,
        with the search's paging, filters and frames, typed `<Type>Collection`), of the
        items the caller may view."""
        status, body = search(ctx, args, url, access.allows)
        if collection is not None:
            type_name, path = collection
            body.update({"@id": path, "@type": [f"{type_name}Collection", "Collection"],
                         "title": type_name})
            status = 200  # an empty collection is still there
        return json_response(body, status)

    def _profiles(self, path: str, user: User | None) -> Response:
        """snovault schema_views: `/profiles/` maps type names to profiles (+ `_subtypes`),
        `/profiles/<type>.json` one; properties the caller may not set are `readonly`."""
        name = path.removeprefix("/profiles").strip("/").removesuffix(".json")
        admin = bool(user and user.admin)
        served = [t for t in self.portal.types.all if t.item_type in profiles()]
        if not name:
            body: dict[str, Any] = {t.name: _annotated(t.item_type, admin) for t in served}
            subtypes: dict[str, list[str]] = {}
            for served_type in served:
                for base in served_type.bases:
                    subtypes.setdefault(base, []).append(served_type.name)
            body["_subtypes"] = subtypes
            body["@type"] = ["JSONSchemas"]
            return json_response(body)
        itype = self.portal.types.lookup(name)
        if itype is None or itype not in served:
            raise HTTPProblem(404, name)
        return json_response(_annotated(itype.item_type, admin))

    def _download(self, path: str, access: Access) -> Response:
        base, _, rest = path.partition("@@download/")
        item = self._item(base)
        _check_view(access, item, "download")
        parts = rest.split("/")
        if item.item_type == "file" and len(parts) == 1:
            creds = self.portal.store.get_sheet(item.uuid, UPLOAD_SHEET)
            url = creds and creds["upload_url"]
            presigned = self.portal.uploads.presigned_url(url) if url else None
            if presigned:
                return Response(status=307, headers={"Location": presigned})
            chunks = self.portal.uploads.read(url) if url else None
            if chunks is None:
                raise HTTPProblem(404, f"{item.at_id} has no uploaded content")
            return Response(chunks, mimetype="application/octet-stream", direct_passthrough=True)
        blob = self.portal.store.get_blob(f"{item.uuid}/{parts[0]}")
        if blob is None:
            raise HTTPProblem(404, path)
        return Response(blob[1], mimetype=blob[0])
