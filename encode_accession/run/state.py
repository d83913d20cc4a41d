"""A run's state as typed values: its settings, and the receipt each job writes and the next
reads (checksums, preflight, file, step, upload and its journal, analysis, summary).

Jobs exchange these, never dicts of string keys: a field added here is seen by mypy in every
reader. Each receipt belongs to its run: it records the workflow id and the server it was
made for (and the portal @id it is about), so a job never takes a receipt of another run or
another file for its own. On disk a receipt is JSON (:mod:`encode_accession.run.receipts`
adds the format version): field names are the JSON keys, but ``portal_id``, which is
``@id`` there, as on the portal.
"""

from __future__ import annotations

import dataclasses
import types
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar, Union, get_args, get_origin, get_type_hints

FORMAT = 3  # of every receipt and of the plan file; 2 was the plan file of untyped receipts
JSON_KEY = "json"  # a field's JSON key when it is not the field's name (metadata)
AT_ID: dict[str, str] = {JSON_KEY: "@id"}

S = TypeVar("S", bound="State")


class State:
    """Turns a frozen dataclass into JSON and back, checking each value's type on the way in
    (a receipt edited by hand or written by another version fails here, not three jobs
    later)."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def to_json(self) -> dict[str, Any]:
        return {_key(f): _encode(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_json(cls: type[S], data: Any) -> S:
        """The value ``data`` (decoded JSON) holds; raises TypeError or KeyError (naming the
        key) when it is not one."""
        if not isinstance(data, dict):
            raise TypeError(f"expected an object for {cls.__name__}, got {type(data).__name__}")
        fields = {_key(f): f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise KeyError(f"unknown key(s) {', '.join(unknown)} for {cls.__name__}")
        hints = _hints(cls)
        values = {}
        for key, f in fields.items():
            if key in data:
                try:
                    values[f.name] = _decode(hints[f.name], data[key])
                except (TypeError, ValueError) as e:
                    raise TypeError(f"{key}: {e}") from None
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise KeyError(f"missing key {key} for {cls.__name__}")
        return cls(**values)


@dataclass(frozen=True)
class Settings(State):
    """One run's settings as the plan file holds them: the config's keys (documented in
    ``config.schema.yaml``, whose defaults these repeat: a test keeps them equal) but those
    of the batch (``runs``) and of tracking and provenance, plus the run's name and folder."""

    name: str
    rundir: str
    server: str
    lab: str
    award: str
    metadata: str | None = None  # None: the demo, written by the plan job
    pipeline: str | None = None
    steps: str | None = None
    annotation: str | None = None
    replicated: bool | None = None
    cromwell_server: str | None = None
    ca_bundle: str | None = None
    rate_limit: float | None = None
    allow_unsucceeded: bool = False
    debug: bool = False
    force: bool = False
    private: bool = False
    s3_endpoint_url: str | None = None
    concurrency: int = 4
    verify_timeout: float = 0.0
    tracker_db: str | None = None
    results: str = "results"
    report_after: tuple[str, ...] = ()


@dataclass(frozen=True)
class Receipt(State):
    """What every receipt records about the run it belongs to."""

    workflow_id: str
    server: str

    def belongs_to(self, workflow_id: str, server: str) -> bool:
        return (self.workflow_id, self.server) == (workflow_id, server)


@dataclass(frozen=True)
class Checksum(State):
    md5: str
    size: int


@dataclass(frozen=True)
class Checksums(Receipt):
    """md5 and size of every planned file and input, by URI (the checksums job)."""

    checksums: dict[str, Checksum]


@dataclass(frozen=True)
class PortalInput(State):
    """A portal file found by md5 for one of the run's inputs."""

    portal_id: str = field(metadata=AT_ID)
    accession: str | None = None
    dataset: str | None = None
    assembly: str | None = None
    genome_annotation: str | None = None
    output_type: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class Duplicate(State):
    """A planned file whose md5 a portal file of someone else already has."""

    file: str
    portal_file: str
    status: str | None
    dataset: str | None


@dataclass(frozen=True)
class Preflight(Receipt):
    """What the run found on the portal before posting anything."""

    dataset: str  # the dataset's @id: what this receipt is about
    assay_term_name: str | None
    assembly: str | None
    genome_annotation: str | None
    biological_replicates: int
    inputs: dict[str, PortalInput]  # by input URI
    # every portal file with an input's md5, where there are several:
    # derived_from_output_type picks among them
    input_matches: dict[str, tuple[PortalInput, ...]]
    same_as: dict[str, str]  # possible_duplicate files posted once: id -> the posted file's id
    checksums: dict[str, Checksum]
    duplicates: tuple[Duplicate, ...]


@dataclass(frozen=True)
class FileReceipt(Receipt):
    """One planned file posted (or found by its alias) on the portal."""

    id: str  # the planned file's id
    portal_id: str = field(metadata=AT_ID)
    accession: str | None
    alias: str
    uri: str
    md5sum: str
    file_size: int
    status: str | None
    created: bool
    output_type: str | None
    derived_from: tuple[str, ...]  # portal @ids
    step_run: str
    callbacks_applied: dict[str, Any]
    default_score: float | None
    duplicate_of: str | None = None  # a possible_duplicate file: the planned id it is

    def is_for(self, workflow_id: str, server: str, alias: str, uri: str, md5: str,
               size: int) -> bool:
        """Whether this receipt is of the file the run would post now (same run, same
        bytes), so posting it again can be skipped."""
        return self.belongs_to(workflow_id, server) and \
            (self.alias, self.uri, self.md5sum, self.file_size) == (alias, uri, md5, size)


@dataclass(frozen=True)
class UploadReceipt(Receipt):
    """The bytes of one posted file sent (``uploaded``) or found not needed."""

    id: str  # the planned file's id
    portal_id: str = field(metadata=AT_ID)  # the portal file the bytes went to
    md5sum: str
    file_size: int
    uploaded: bool

    def is_for(self, file: FileReceipt) -> bool:
        """Whether this receipt is of ``file``'s bytes, sent to that very portal file."""
        return self.belongs_to(file.workflow_id, file.server) and \
            (self.id, self.portal_id, self.md5sum, self.file_size) == \
            (file.id, file.portal_id, file.md5sum, file.file_size)


@dataclass(frozen=True)
class SentPart(State):
    """One part of a multipart upload as S3 confirmed it."""

    number: int
    size: int
    etag: str  # S3's, without quotes: CompleteMultipartUpload names the part by it
    md5: str  # of the bytes sent: a re-run skips the part only when its bytes still have it


@dataclass(frozen=True)
class UploadJournal(Receipt):
    """A multipart upload under way, rewritten after each part S3 confirms: what a re-run
    continues from, since the upload credentials may not list the upload's parts (the
    real portal's allow s3:PutObject only). Not a secret: the upload id is useless without
    the file's credentials."""

    id: str  # the planned file's id
    portal_id: str = field(metadata=AT_ID)
    upload_url: str
    md5sum: str
    file_size: int
    part_size: int
    upload_id: str
    parts: tuple[SentPart, ...]

    def continues(self, other: UploadJournal) -> bool:
        """Whether this journal is of the upload ``other`` (with no upload yet) would start:
        same run, portal file, object and bytes, cut into the same parts."""
        return self.belongs_to(other.workflow_id, other.server) and \
            (self.id, self.portal_id, self.upload_url, self.md5sum, self.file_size,
             self.part_size) == (other.id, other.portal_id, other.upload_url, other.md5sum,
                                 other.file_size, other.part_size)


@dataclass(frozen=True)
class StepRun(State):
    portal_id: str = field(metadata=AT_ID)
    alias: str
    created: bool


@dataclass(frozen=True)
class QualityMetrics(State):
    """QC @ids of a step's files: all of them by planned file id, those this run created,
    and those already on the portal (not posted again)."""

    quality_metrics: dict[str, tuple[str, ...]]
    created: tuple[str, ...]
    already_on_portal: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class StepReceipt(Receipt):
    """One accessioning step: its step run, files (in plan order) and QC."""

    step: str  # the step's rule
    step_run: StepRun
    files: tuple[FileReceipt, ...]
    quality_metrics: QualityMetrics


@dataclass(frozen=True)
class StepUploads(Receipt):
    """The bytes of one step's files (the upload job, beside the steps derived from them)."""

    step: str  # the step's rule
    uploads: tuple[UploadReceipt, ...]


@dataclass(frozen=True)
class AnalysisReceipt(Receipt):
    portal_id: str = field(metadata=AT_ID)
    created: bool
    documents: tuple[str, ...]
    dataset: str
    files: tuple[str, ...]
    preferred_default: tuple[str, ...]


@dataclass(frozen=True)
class Verdict(State):
    """The portal's check of one file: ``verified``, ``pending`` or ``failed``."""

    state: str
    status: str | None
    detail: str | None = None


@dataclass(frozen=True)
class Verification(State):
    files: dict[str, Verdict]  # by file @id
    verified: tuple[str, ...]
    pending: tuple[str, ...]
    failed: tuple[str, ...]


@dataclass(frozen=True)
class SummaryObject(State):
    kind: str
    portal_id: str = field(metadata=AT_ID)
    created: bool | None  # None: not known (documents)
    status: str | None
    uri: str | None = None


@dataclass(frozen=True)
class Missing(State):
    """Something the run did not get onto the portal, why, and what to do about it."""

    what: str
    why: str
    fix: str


@dataclass(frozen=True)
class Summary(Receipt):
    """The end of a run: every object, the portal's checks, the steps the plan left out and
    what is missing (a run with anything missing exits non-zero)."""

    dataset: str
    analysis: str
    objects: tuple[SummaryObject, ...]
    verification: Verification
    created: int
    found: int
    skipped: tuple[str, ...]  # the plan's skipped steps and outputs, with why
    missing: tuple[Missing, ...]


def _key(f: dataclasses.Field[Any]) -> str:
    return f.metadata.get(JSON_KEY, f.name)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """A class's resolved field types (annotations are strings here), once per class."""
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


def _encode(value: Any) -> Any:
    if isinstance(value, State):
        return value.to_json()
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    return value


def _decode(hint: Any, value: Any) -> Any:
    """``value`` (decoded JSON) as the type ``hint``: optional, tuple[X, ...], dict[str, X],
    a State, str, int, float, bool or Any."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(hint) if a is not type(None)]
        if value is None and len(options) < len(get_args(hint)):
            return None
        (hint,) = options
        return _decode(hint, value)
    if origin is tuple:
        return tuple(_decode(get_args(hint)[0], v) for v in _expect(list, value))
    if origin is dict:
        return {k: _decode(get_args(hint)[1], v) for k, v in _expect(dict, value).items()}
    if isinstance(hint, type) and issubclass(hint, State):
        return hint.from_json(value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (str, int, bool, float):
        if isinstance(value, bool) and hint is not bool:
            raise TypeError(f"expected {hint.__name__}, got a boolean")
        return _expect(hint, value)
    return value  # Any


def _expect(kind: type, value: Any) -> Any:
    if not isinstance(value, kind):
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value
