"""Before anything is posted: inputs found on the portal by md5, checksums, the dataset and
genome, and the md5-duplicate check."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from encode_accession.accession.checks import (
    hidden_dataset_problem,
    refuse_closed_dataset,
    refuse_unfit_run,
)
from encode_accession.accession.context import Run
from encode_accession.core.errors import InputError, InputErrors
from encode_accession.planning.plan import leaf_strings, same_md5_files
from encode_accession.portal.errors import PortalForbidden
from encode_accession.run.state import Checksum, Duplicate, PortalInput, Preflight

IGNORED_STATUSES = {"replaced", "revoked", "deleted"}
MD5_BATCH = 50  # md5s per search: ~1.8 kB of query string, well under URL limits
COUNTED_REPLICATE_STATUSES = {"released", "in progress"}


def preflight(run: Run, checksums: dict[str, Checksum]) -> Preflight:
    """Before anything is posted: find inputs on the portal, and refuse to go on when a
    planned file's md5 is already on the portal (unless forced or it was posted by an
    earlier run of this workflow). ``checksums``: the checksums job's md5 and size by URI."""
    plan, portal = run.plan, run.portal
    check_keys(run)
    problems: list[InputError] = []
    for kind, ident in (("lab", run.who.lab_id), ("award", run.who.award_id)):
        if portal.get(ident) is None:
            problems.append(InputError("config", kind, f"{ident} is not on the portal "
                                       f"{run.server}",
                                       f"set `{kind}` (or DCC_{kind.upper()}) to one it knows"))
    if problems:
        raise InputErrors(problems)
    refuse_unfit_run(plan, portal, allow_unsucceeded=run.settings.allow_unsucceeded)
    planned_md5s = [checksums[f.uri].md5 for f in plan.files.values()]
    on_portal = files_by_md5(run, [*(checksums[u].md5 for u in plan.portal_inputs),
                                   *planned_md5s])
    matches = {uri: tuple(_input_facts(m) for m in on_portal.get(checksums[uri].md5, []))
               for uri in plan.portal_inputs}
    missing = [InputError(uri, "derived_from", f"no portal file has md5 {checksums[uri].md5}",
                          "post the pipeline inputs and references to the portal first")
               for uri, found in matches.items() if not found]
    if missing:
        raise InputErrors(missing)
    inputs = {uri: found[0] for uri, found in matches.items()}
    same_as, same_md5 = same_md5_files(plan, lambda uri: checksums[uri].md5)
    if same_md5 and not run.settings.force:
        raise InputErrors(same_md5)
    dataset = _dataset(run, inputs)
    refuse_closed_dataset(dataset)
    duplicates = []
    for f in plan.files.values():
        md5 = checksums[f.uri].md5
        mine = run.file_alias(plan.files[same_as.get(f.id, f.id)], md5)
        duplicates += [Duplicate(file=f.uri, portal_file=match["@id"],
                                 status=match.get("status"), dataset=match.get("dataset"))
                       for match in on_portal.get(md5, [])
                       if mine not in match.get("aliases", [])]
    if duplicates and not run.settings.force:
        raise InputError("preflight", "md5sum",
                         "planned files are already on the portal:\n" + duplicate_table(duplicates),
                         "set force: true to post them anyway")
    assembly, genome_annotation = _genome(run, inputs, checksums, on_portal)
    return Preflight(
        run.workflow_id, run.server,
        dataset=dataset["@id"],
        assay_term_name=_first(dataset.get("assay_term_name")),
        assembly=assembly,
        genome_annotation=genome_annotation,
        biological_replicates=_replicate_count(dataset),
        inputs=inputs,
        input_matches={uri: found for uri, found in matches.items() if len(found) > 1},
        same_as=same_as,
        checksums=checksums,
        duplicates=tuple(duplicates),
    )


def check_keys(run: Run) -> None:
    """The portal keys, proved with one authenticated request before any step job: without
    them every GET still works (released objects are public) and the run would fail at its
    first POST. The key's own object is what the portal shows its owner (access_key.py: owner
    may view); a wrong key or secret is refused there (401, naming the key id only)."""
    key_id = run.portal.key_id
    if not key_id:
        raise InputError("portal credentials", "DCC_API_KEY", f"not set: posting to "
                         f"{run.server} needs the submitting lab's access key pair",
                         "export DCC_API_KEY and DCC_SECRET_KEY (or keep them in the system "
                         "keyring)")
    if run.portal.get(f"/access-keys/{key_id}/") is None:
        raise InputError("portal credentials", "DCC_API_KEY", f"the portal {run.server} has "
                         f"no access key {key_id}", "use a key pair made on that portal")


def files_by_md5(run: Run, md5s: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Portal files (object frame, ignoring replaced/revoked/deleted ones) by md5: one search
    per batch of md5s (the portal ORs repeated values of one field), batches concurrent."""
    unique = list(dict.fromkeys(md5s))
    batches = [unique[i:i + MD5_BATCH] for i in range(0, len(unique), MD5_BATCH)]

    def search(batch: list[str]) -> list[dict[str, Any]]:
        return run.portal.search("File", {"md5sum": batch}, frame="object")

    found: dict[str, list[dict[str, Any]]] = {}
    with ThreadPoolExecutor(max_workers=run.concurrency) as pool:
        for matches in pool.map(search, batches):
            for m in matches:
                if m.get("status") not in IGNORED_STATUSES:
                    found.setdefault(m["md5sum"], []).append(m)
    return found


def _input_facts(m: dict[str, Any]) -> PortalInput:
    return PortalInput(m["@id"], **{k: m.get(k) for k in (
        "accession", "dataset", "assembly", "genome_annotation", "output_type", "status")})


def _first(value: Any) -> str | None:
    """A dataset's assay name; the first one when it has several (as the reference sends)."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _dataset(run: Run, inputs: dict[str, PortalInput]) -> dict[str, Any]:
    """The Annotation named in the config for the variants that need one; otherwise the
    dataset of the first raw fastq, as the reference tool finds it."""
    if run.plan.steps_file.facts.annotation_dataset:
        annotation = run.settings.annotation
        found = _embedded_dataset(run, annotation) if annotation else None
        if found is None:
            raise InputError("config", "annotation", f"{annotation} is not on the portal",
                             "set annotation: to an existing Annotation accession")
        return found
    steps = run.plan.steps_file
    keys = set(steps.raw_fastqs_keys)
    for f in run.plan.workflow.files.values():
        raw = keys & set(f.keys) and (f.producer is None or steps.raw_fastqs_can_have_task)
        dataset_id = f.uri in inputs and inputs[f.uri].dataset
        if raw and dataset_id:
            dataset = _embedded_dataset(run, dataset_id)
            if dataset:
                return dataset
    raise InputError(run.plan.workflow.source, "raw_fastqs_keys",
                     f"no raw fastq (keys {sorted(keys)}) of this run is on the portal",
                     "post the fastqs first, or check raw_fastqs_keys in the steps file")


def _embedded_dataset(run: Run, dataset_id: str) -> dict[str, Any] | None:
    try:
        return run.portal.get(dataset_id, frame="embedded")
    except PortalForbidden:
        raise hidden_dataset_problem(run.portal, dataset_id) from None


def _genome(run: Run, inputs: dict[str, PortalInput], checksums: dict[str, Checksum],
            on_portal: dict[str, list[dict[str, Any]]]) -> tuple[str | None, str | None]:
    """Assembly and genome annotation of the portal file behind the pipeline's reference input
    (the steps file's ``reference_input``: ``ref_fa`` for ATAC/ChIP, ``index`` for bulk RNA,
    ...), as the reference tool reads them; steps files without one fall back to the first
    parent input that has them. ``on_portal``: the portal files already found by md5 (the
    reference input usually is a parent input, so it needs no search of its own)."""
    key = run.plan.steps_file.facts.reference_input
    candidates = list(inputs.values())
    if key:
        wf = run.plan.workflow
        uris = [f.uri for f in wf.files.values() if key in f.keys and f.producer is None]
        if key == "annotation" and not uris:  # long-read RNA: a workflow input
            uris = list(leaf_strings(wf.workflow_input(key)))
        md5s = [checksums[u].md5 if u in checksums else run.storage.md5(u) for u in uris[:1]]
        unsearched = [m for m in md5s if m not in on_portal]
        found = {**on_portal, **(files_by_md5(run, unsearched) if unsearched else {})}
        candidates = [_input_facts(found[m][0]) for m in md5s if found.get(m)] + candidates
    return (next((c.assembly for c in candidates if c.assembly), None),
            next((c.genome_annotation for c in candidates if c.genome_annotation), None))


def _replicate_count(dataset: dict[str, Any]) -> int:
    return len({r.get("biological_replicate_number") for r in dataset.get("replicates", [])
                if isinstance(r, dict) and r.get("status") in COUNTED_REPLICATE_STATUSES})


def duplicate_table(rows: list[Duplicate]) -> str:
    header = ("File Path", "Matching Portal Files", "Portal Status", "Portal File Dataset")
    lines = [header] + [(r.file, r.portal_file, str(r.status), str(r.dataset)) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    return "\n".join(" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True))
                     for line in lines)
