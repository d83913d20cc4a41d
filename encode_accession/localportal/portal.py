"""The local portal's domain operations: create, update, upload credentials, checkfiles.

HTTP lives in app.py; this class is what it (and tests, and the loader) call. Every write
is one store transaction, so concurrent processes cannot mint the same key twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from encode_accession.localportal.auth import (
    User,
    access_key_props,
    check_can_create,
    check_can_edit,
)
from encode_accession.localportal.demo import DEMO_DATA, DEMO_USER, DEMO_VIEWING_GROUP
from encode_accession.localportal.frames import RenderContext
from encode_accession.localportal.identity import (
    MD5_RULES,
    at_id_for,
    check_conflicts,
    item_name,
    md5_key_claim,
    mint_accession,
    new_uuid,
    unique_keys,
)
from encode_accession.localportal.loader import load_file
from encode_accession.localportal.problems import HTTPProblem
from encode_accession.localportal.profiles import profiles
from encode_accession.localportal.store import Item, Store
from encode_accession.localportal.types import ItemType, registry
from encode_accession.localportal.uploads import UploadConfig, UploadStorage, verdict
from encode_accession.localportal.validate import Checked, Validator

UPLOAD_SHEET = "upload"
RENEWABLE_STATUSES = ("uploading", "upload failed")  # statuses that may get new credentials
DEMO_SEED = "demo:2"  # the seed's version: 2 gave the demo user its award's viewing group


def default_upload_dir(db_path: str | Path) -> Path:
    return Path(db_path).with_suffix(".uploads")


class LocalPortal:
    def __init__(self, db_path: str | Path, *, md5_rule: str = "current",
                 uploads: UploadConfig | None = None, seed_demo: bool = True) -> None:
        if md5_rule not in MD5_RULES:
            raise ValueError(f"md5_rule must be one of {MD5_RULES}, not {md5_rule!r}")
        self.db_path = Path(db_path)
        self.store = Store(db_path)
        self.types = registry()
        self.validator = Validator(self.store, self.types)
        self.uploads = UploadStorage(uploads or UploadConfig(default_upload_dir(db_path)))
        self.md5_rule = md5_rule
        if seed_demo:
            self._seed_once()

    def _seed_once(self) -> None:
        with self.store.write():
            seeded = self.store.get_meta("seeded")
            if seeded is None:
                load_file(self, DEMO_DATA)
            elif seeded == "demo":
                self._demo_user_joins_its_viewing_group()
            if seeded != DEMO_SEED:
                self.store.put_meta("seeded", DEMO_SEED)

    def _demo_user_joins_its_viewing_group(self) -> None:
        """A database seeded before reads had permissions: its demo user did not need the
        demo award's viewing group to see its own lab's unreleased items; now it does (as
        every submitter on the real portal). Only that one property is added."""
        user = self.store.by_at_id(DEMO_USER)
        if user is not None and "viewing_groups" not in user.props:
            user.props["viewing_groups"] = [DEMO_VIEWING_GROUP]
            self.store.save(user, self.store.keys_of(user.uuid))

    def context(self) -> RenderContext:
        return RenderContext(self.store, self.types)

    def add_access_key(self, key_id: str, secret: str, user: str = DEMO_USER) -> None:
        """Accept another key pair (e.g. from --key/--secret) for `user`."""
        itype = self.types.get("access_key")
        with self.store.write():
            existing = self.store.by_at_id(f"/access-keys/{key_id}/")
            props = access_key_props(key_id, secret, user)
            item = Item(existing.uuid if existing else new_uuid(), itype.item_type,
                        at_id_for(itype, key_id), itype.types, props)
            self.store.save(item, unique_keys(itype, item.props, key_id))

    # -- writes --------------------------------------------------------------------------

    def create(self, itype: ItemType, payload: dict[str, Any], user: User) -> Item:
        check_can_create(user, itype.item_type)
        with self.store.write():
            checked = self.validator.check(itype, payload, user=user)
            props = {**profiles().defaults(itype.item_type), **checked.props}
            uuid = self._server_defaults(itype, props, user)
            name = item_name(itype, props, uuid, self.store)
            item = Item(uuid, itype.item_type, at_id_for(itype, name), itype.types, props)
            self._save(itype, item, name, checked)
            if itype.item_type == "file" and props["status"] == "uploading":
                self.store.put_sheet(uuid, UPLOAD_SHEET, self.uploads.issue_credentials(item))
        return item

    def _server_defaults(self, itype: ItemType, props: dict[str, Any], user: User) -> str:
        """Fill the profile's `serverDefault`s the submitter left out; returns the uuid."""
        uuid = props.pop("uuid", None) or new_uuid()
        factories = {"now": lambda: datetime.now(UTC).isoformat(),
                     "userid": lambda: user.at_id,
                     "accession": lambda: mint_accession(self.store, itype.accession_prefix
                                                         or "")}
        for prop, factory in profiles().server_defaults(itype.item_type).items():
            if prop not in props and factory in factories:
                props[prop] = factories[factory]()
        return uuid

    def update(self, item: Item, patch: dict[str, Any], user: User) -> Item:
        """PATCH: a shallow merge, re-validated as a whole; arrays are replaced."""
        check_can_edit(user, item)
        itype = self.types.lookup(item.item_type)
        if itype is None or itype.item_type not in profiles():
            raise HTTPProblem(405, f"{item.at_id} was imported with a type this portal has no "
                                   "schema for; it can be read but not edited")
        with self.store.write():
            current = self.store.get(item.uuid) or item
            # as snovault's validate_item_content_patch: the stored object without its
            # schema_version, updated with the PATCH body, judged whole
            stored = {k: v for k, v in current.props.items() if k != "schema_version"}
            checked = self.validator.check(itype, {**stored, **patch}, user=user,
                                           previous=current.props)
            defaults = profiles().defaults(itype.item_type)
            current.props = {**{k: v for k, v in defaults.items() if k == "schema_version"},
                             **checked.props}
            self._save(itype, current, current.at_id.rstrip("/").rsplit("/", 1)[-1], checked)
        return current

    def _save(self, itype: ItemType, item: Item, name: str, checked: Checked) -> None:
        keys = unique_keys(itype, item.props, name)
        check_conflicts(self.store, keys, item.uuid)
        if itype.item_type == "file":
            keys += md5_key_claim(self.store, item.props, item.uuid, self.md5_rule)
        self.store.save(item, keys)
        for prop, blob in checked.blobs.items():
            self.store.put_blob(f"{item.uuid}/{prop}", blob.mime, blob.data)

    # -- uploads -------------------------------------------------------------------------

    def upload_credentials(self, item: Item, *, renew: bool) -> dict[str, Any]:
        """Stored credentials, or fresh ones (`@@upload` POST) for uploading files only."""
        if item.item_type != "file":
            raise HTTPProblem(404, f"{item.at_id}@@upload")
        if not renew:
            creds = self.store.get_sheet(item.uuid, UPLOAD_SHEET)
            if creds is None:
                raise HTTPProblem(404, f"{item.at_id} has no upload credentials")
            return creds
        if item.props.get("status") not in RENEWABLE_STATUSES:
            raise HTTPProblem(403, 'status must be "uploading" to issue new credentials')
        with self.store.write():
            if item.props["status"] == "upload failed":
                item.props["status"] = "uploading"
                self.store.save(item, self.store.keys_of(item.uuid))
            creds = self.uploads.issue_credentials(item)
            self.store.put_sheet(item.uuid, UPLOAD_SHEET, creds)
        return creds

    def check_upload(self, item: Item) -> Item:
        """One checkfiles pass over one file: md5 and size of the uploaded bytes decide
        `in progress` or `content error`; with nothing uploaded yet it stays `uploading`."""
        if item.props.get("status") != "uploading":
            return item
        creds = self.store.get_sheet(item.uuid, UPLOAD_SHEET)
        if creds is None:
            return item
        digest = self.uploads.digest(creds["upload_url"])
        return item if digest is None else self._judge(item.uuid, *digest) or item

    def _judge(self, uuid: str, md5: str, size: int) -> Item | None:
        """Checkfiles' verdict on a file still `uploading` whose bytes are ``md5``/``size``."""
        with self.store.write():
            current = self.store.get(uuid)
            if current is None or current.props.get("status") != "uploading":
                return current
            current.props.update(verdict(current.props, md5, size))
            self.store.save(current, self.store.keys_of(current.uuid))
        return current

    def checkfiles(self) -> list[Item]:
        """Check every file still `uploading`; returns those whose status changed."""
        changed = []
        for item in self.store.items_with_status("File", "uploading"):
            checked = self.check_upload(item)
            if checked.props.get("status") != item.props.get("status"):
                changed.append(checked)
        return changed

    def check_arrived_uploads(self) -> list[Item]:
        """Checkfiles for files still `uploading` whose bytes have arrived in the bucket
        (one listing for all of them): the served portal runs it between requests when
        uploads go to an external S3 endpoint, whose completions it cannot see."""
        pending = {}
        for item in self.store.items_with_status("File", "uploading"):
            creds = self.store.get_sheet(item.uuid, UPLOAD_SHEET)
            if creds is not None:
                pending[creds["upload_url"]] = item
        arrived = self.uploads.present(set(pending)) if pending else set()
        return [self.check_upload(pending[url]) for url in sorted(arrived)]

    def upload_grant(self, bucket: str, key: str) -> dict[str, Any] | None:
        """The upload credentials issued for ``s3://bucket/key`` (the key names the file's
        uuid), None if the portal issued none for that object."""
        segments = key.split("/")
        if len(segments) < 5:
            return None
        creds = self.store.get_sheet(segments[3], UPLOAD_SHEET)
        if creds is None or creds.get("upload_url") != f"s3://{bucket}/{key}":
            return None
        return creds

    def uploaded(self, key: str, md5: str, size: int) -> None:
        """An object of the portal's own bucket is complete: checkfiles for its file now,
        from the digest taken while the bytes were written (no second read)."""
        segments = key.split("/")
        if len(segments) >= 5:
            self._judge(segments[3], md5, size)
