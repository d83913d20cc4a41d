"""What an accession means on a portal served over HTTP (`portal serve`), and the md5-checked
cache: a replaced file leads to its replacement with a notice, revoked and deleted files are
refused with one message, a download whose bytes do not match the portal's md5sum is an
error naming the accession, and a cached file is never downloaded twice while it matches."""

from __future__ import annotations

import gzip

import pytest

from encode_accession.core.errors import InputError
from encode_accession.plugins.cache import cached_path, fetch
from encode_accession.plugins.files import describe_file, file_accession


def test_a_file_is_described_by_the_portals_metadata(served_portal):
    posted = served_portal.files["rep1"]
    file = describe_file(served_portal.client(), posted["accession"])
    assert (file.accession, file.md5, file.size, file.href) == (
        posted["accession"], posted["md5sum"], posted["file_size"], posted["href"])
    assert file.file_name == f"{posted['accession']}.bed.gz"
    assert file.dataset == "/experiments/TSTSR000001/" and file.created > 0
    assert not file.replaced and file.notices == ()


@pytest.mark.parametrize("query", ["ENCFF123ABC", "encode://ENCFF123ABC", "encff123abc"])
def test_queries_name_file_accessions(query):
    assert file_accession(query) == "ENCFF123ABC"


@pytest.mark.parametrize("query", ["ENCSR123ABC", "encode://", "results/x.bed", "ENCFF123"])
def test_other_queries_are_refused_naming_the_query(query):
    with pytest.raises(InputError, match="not an ENCODE file accession"):
        file_accession(query)


def test_a_replaced_file_resolves_to_its_replacement_with_a_notice(served_portal):
    old = served_portal.add_file("replaced-old", "chr1\t1\t5\n")
    new = served_portal.add_file("replaced-new", "chr1\t1\t6\n")
    admin = served_portal.client(admin=True)
    admin.patch(old["@id"], {"status": "replaced"})
    admin.patch(new["@id"], {"alternate_accessions": [old["accession"]]})

    file = describe_file(served_portal.client(), old["accession"])
    assert (file.requested, file.accession, file.md5) == (
        old["accession"], new["accession"], new["md5sum"])
    assert file.notices == (f"{old['accession']} was replaced by {new['accession']} on "
                            f"{served_portal.url}: using {new['accession']}",)


@pytest.mark.parametrize("status", ["revoked", "deleted"])
def test_revoked_and_deleted_files_are_refused_with_one_message(served_portal, status):
    """A revoked file is ALLOW_CURRENT (anyone sees it is revoked); a deleted one is DELETED
    (encoded base.py: admins only), so a submitter's key is told it may not see it."""
    withdrawn = served_portal.add_file(f"withdrawn-{status}", f"chr9\t1\t{len(status)}\n")
    admin = served_portal.client(admin=True)
    admin.patch(withdrawn["@id"], {"status": status})
    withdrew = (f"encode://{withdrawn['accession']}: {served_portal.url}: is {status} (fix: "
                "ENCODE withdrew this file; choose another one from its experiment)")
    with pytest.raises(InputError) as refused:
        describe_file(admin, withdrawn["accession"])
    assert refused.value.message == withdrew
    with pytest.raises(InputError) as refused:
        describe_file(served_portal.client(), withdrawn["accession"])
    if status == "revoked":
        assert refused.value.message == withdrew
    else:
        assert refused.value.message.startswith(
            f"encode://{withdrawn['accession']}: {served_portal.url}: is not visible to "
            "access key id 'DEMOKEY1' (fix: the portal shows deleted files to admins only")


def test_an_unknown_accession_is_refused_naming_the_server(served_portal):
    with pytest.raises(InputError, match=r"encode://TSTFF999999: .*is not on the portal"):
        describe_file(served_portal.client(), "TSTFF999999")


def test_a_download_is_cached_and_not_repeated_while_it_matches(served_portal, tmp_path):
    file = describe_file(served_portal.client(), served_portal.files["rep2"]["accession"])
    before = len(served_portal.downloads())
    path, downloaded = fetch(served_portal.client(), file, tmp_path)
    assert downloaded and path == cached_path(tmp_path, file)
    assert gzip.decompress(path.read_bytes()).decode().startswith("chr1\t120\t180")
    assert fetch(served_portal.client(), file, tmp_path) == (path, False)
    assert len(served_portal.downloads()) - before == 1

    path.write_bytes(b"edited in the cache")  # a cached copy that no longer matches
    assert fetch(served_portal.client(), file, tmp_path) == (path, True)
    assert path.stat().st_size == file.size
    assert len(served_portal.downloads()) - before == 2
    assert not list(path.parent.glob("*.part"))


def test_bytes_that_do_not_match_the_portals_md5_fail_naming_the_accession(
        served_portal, tmp_path):
    posted = served_portal.add_file("tampered", "chr5\t1\t100\n")
    served_portal.tamper(posted["accession"], gzip.compress(b"chr5\t1\t999\n", mtime=0))
    file = describe_file(served_portal.client(), posted["accession"])
    with pytest.raises(InputError) as failed:
        fetch(served_portal.client(), file, tmp_path)
    assert failed.value.source == f"encode://{posted['accession']}"
    assert f"the portal's md5sum is {posted['md5sum']}" in failed.value.message
    assert not any((tmp_path / posted["accession"]).iterdir())  # nothing kept
