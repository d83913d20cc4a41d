"""Each caller sees what the real portal would show it: view permissions from each type's
STATUS_ACL and local roles (ENCODE-DCC/encoded src/encoded/types/base.py, access_key.py,
user.py) for anonymous callers, viewing-group members, a lab's submitters and admins, on
items, search, collection listings, downloads, and embedded frames (snovault embeds as the
EMBED user)."""

from __future__ import annotations

import pytest
from accounts import user_with_key

from encode_accession.localportal import LocalPortal, load_objects
from encode_accession.localportal.demo import (
    DEMO_EXPERIMENT,
    DEMO_KEY_ID,
    DEMO_LAB,
    DEMO_USER,
)
from encode_accession.portal import PortalClient
from encode_accession.portal.errors import PortalAuthError

from .conftest import Target
from .payloads import R1, bam

R3 = "/files/TSTFF000003/"  # released, of replicate 2, which is in progress
REPLICATE_2 = "/replicates/69fa3d10-3495-52a9-89a8-270c4665c4f7/"
OTHER_LAB, OTHER_AWARD = "/labs/other-lab/", "/awards/REMC-AWARD/"
OTHER_EXPERIMENT = "/experiments/TSTSR000777/"
OTHER_LAB_ITEMS = [
    {"@id": OTHER_LAB, "@type": ["Lab", "Item"], "name": "other-lab", "title": "Other Lab",
     "status": "current", "awards": [OTHER_AWARD]},
    {"@id": OTHER_AWARD, "@type": ["Award", "Item"], "name": "REMC-AWARD", "project": "Roadmap",
     "rfa": "Roadmap", "title": "Another viewing group's award", "status": "current",
     "viewing_group": "REMC"},
    {"@id": OTHER_EXPERIMENT, "@type": ["Experiment", "Dataset", "Item"],
     "accession": "TSTSR000777", "status": "in progress", "lab": OTHER_LAB,
     "award": OTHER_AWARD, "assay_term_name": "ATAC-seq"},
]
REMC = ("REMCKEY1", "remcsecretremcse")  # encoded's tests' remc_member: another lab and group
NO_GROUP = ("NOGROUP1", "nogroupsecretnog")  # submits for the demo lab, in no viewing group


def _forbidden(client: PortalClient, path: str, **kwargs) -> PortalAuthError:
    with pytest.raises(PortalAuthError) as denied:
        client.get(path, **kwargs)
    assert denied.value.status == 403
    assert denied.value.body["@type"] == ["HTTPForbidden", "Error"]
    return denied.value


@pytest.fixture
def callers(http_portal: Target) -> dict[str, PortalClient]:
    """The demo portal, another lab's in-progress experiment (award of viewing group REMC),
    and a client per kind of caller."""
    load_objects(http_portal.portal, [
        *OTHER_LAB_ITEMS,
        *user_with_key(2, *REMC, lab=OTHER_LAB, submits_for=[OTHER_LAB],
                       viewing_groups=["REMC"]),
        *user_with_key(3, *NO_GROUP, lab=DEMO_LAB, submits_for=[DEMO_LAB]),
    ])
    return {"anonymous": http_portal.other_client(None, None), "demo": http_portal.client,
            "remc": http_portal.other_client(*REMC),
            "no_group": http_portal.other_client(*NO_GROUP),
            "admin": http_portal.admin_client()}


def test_anonymous_gets_403_for_unreleased_items_and_reads_released_ones(callers, http_portal):
    """ALLOW_LAB_SUBMITTER_EDIT (every status STATUS_ACL does not name: in progress,
    uploading) gives view to the award's viewing group and admins only; ALLOW_CURRENT
    (released) to everyone. The 403 comes before the canonical redirect and does not name
    the item (encoded's canonical_redirect runs after the view)."""
    anonymous, demo = callers["anonymous"], callers["demo"]
    denied = _forbidden(anonymous, DEMO_EXPERIMENT)
    assert "TSTSR000001" not in str(denied.body)
    by_accession = anonymous._session.get(http_portal.url + "/TSTSR000001/", timeout=10,
                                          allow_redirects=False)
    assert by_accession.status_code == 403  # not a 301 telling the @id
    _forbidden(anonymous, REPLICATE_2)  # Replicate: its experiment's local roles
    uploading = demo.post("file", bam())
    _forbidden(anonymous, uploading["@id"])
    callers["admin"].patch(uploading["@id"], {"status": "in progress"})
    _forbidden(anonymous, uploading["@id"], frame="embedded")
    _forbidden(anonymous, f"md5:{uploading['md5sum']}")
    assert anonymous.get(R1)["status"] == "released"
    assert anonymous.get("/labs/encode-awg/")["status"] == "current"


def test_a_viewing_group_member_sees_its_awards_unreleased_items_not_another_groups(callers):
    """base.py Item.__ac_local_roles__: `viewing_group.<award's viewing_group>` ->
    role.viewing_group_member, the role ALLOW_LAB_SUBMITTER_EDIT lets view (encoded's
    test_viewing_group_member_view / test_remc_member_view_disallowed)."""
    demo, remc = callers["demo"], callers["remc"]
    assert demo.get(DEMO_EXPERIMENT)["status"] == "in progress"
    assert demo.get(REPLICATE_2)["status"] == "in progress"
    _forbidden(demo, OTHER_EXPERIMENT)
    assert remc.get(OTHER_EXPERIMENT)["lab"] == OTHER_LAB
    _forbidden(remc, DEMO_EXPERIMENT)
    assert remc.get(R1)["@id"] == R1  # released: everyone


def test_a_lab_submitter_outside_the_viewing_group_may_not_view_and_its_writes_are_undone(
        callers):
    """role.lab_submitter has `edit`, not `view`, in ALLOW_LAB_SUBMITTER_EDIT; snovault
    renders a write's result as the caller (`request.embed(..., as_user=True)`), so a PATCH
    it may not view is answered 403 and rolled back."""
    no_group, admin = callers["no_group"], callers["admin"]
    _forbidden(no_group, DEMO_EXPERIMENT)
    with pytest.raises(PortalAuthError, match="403.*item_view_object"):
        no_group.patch(DEMO_EXPERIMENT, {"description": "not seen"})
    assert admin.get(DEMO_EXPERIMENT, database=True).get("description") != "not seen"
    assert callers["demo"].patch(DEMO_EXPERIMENT, {"description": "seen"})["description"] \
        == "seen"


def test_admin_sees_everything(callers):
    """ONLY_ADMIN_VIEW ends every item ACL: group.admin may view, deleted items (DELETED)
    and disabled ones included."""
    admin, demo = callers["admin"], callers["demo"]
    assert admin.get(OTHER_EXPERIMENT)["status"] == "in progress"
    assert admin.get(DEMO_EXPERIMENT)["status"] == "in progress"
    file = demo.post("file", bam())
    admin.patch(file["@id"], {"status": "deleted"})
    assert admin.get(file["@id"])["status"] == "deleted"
    _forbidden(demo, file["@id"])  # DELETED: admins only, the file's own lab too
    assert admin.get(f"/access-keys/{REMC[0]}/")["user"].startswith("/users/")


def test_an_access_key_is_visible_to_its_owner_and_admins_only(callers):
    """access_key.py: a current key is `[(Allow, role.owner, [view, edit])] +
    ONLY_ADMIN_VIEW`, its owner being `userid.<user>`; the collection denies `list` to all
    but admins. Search shows each caller the keys it may view."""
    demo, remc, anonymous, admin = (callers[k] for k in ("demo", "remc", "anonymous", "admin"))
    own = demo.get(f"/access-keys/{DEMO_KEY_ID}/")
    assert own["user"] == DEMO_USER and "secret_access_key_hash" not in own
    _forbidden(remc, f"/access-keys/{DEMO_KEY_ID}/")
    _forbidden(anonymous, f"/access-keys/{DEMO_KEY_ID}/")
    _forbidden(demo, "/access-keys/")
    assert admin.get("/access-keys/")["total"] == 4  # demo, remc, no-group, admin
    assert [k["access_key_id"] for k in demo.search("AccessKey")] == [DEMO_KEY_ID]
    assert [k["access_key_id"] for k in remc.search("AccessKey")] == [REMC[0]]
    assert anonymous.search("AccessKey") == []


def test_users_show_their_details_to_themselves_and_admins_only(callers):
    """user.py: everyone may view a current user, through user_basic_view (@id, title, lab,
    submits_for); `view_details` (role.owner, admins) gives the page frame every property
    and the access keys (encoded's test_users_view_basic_anon / _details_self)."""
    for caller in ("anonymous", "remc"):
        seen = callers[caller].get(DEMO_USER, frame="page")
        assert seen["title"] == "Demo Submitter" and "email" not in seen
        assert "access_keys" not in seen and "groups" not in seen
    for caller in ("demo", "admin"):
        seen = callers[caller].get(DEMO_USER, frame="page")
        assert seen["email"] == "demo@example.org" and seen["viewing_groups"] == ["ENCODE4"]
        assert [k["access_key_id"] for k in seen["access_keys"]] == [DEMO_KEY_ID]
        assert seen["lab"]["@id"] == DEMO_LAB  # embedded
    assert set(callers["demo"].get(DEMO_USER)) == {"@id", "@type", "uuid", "lab", "title",
                                                   "submits_for"}  # object frame: for all


def test_search_and_collection_totals_and_facets_count_only_visible_items(callers):
    """Search hits are filtered on `principals_allowed.view` before totals and facets are
    counted; collection listings (`list`, then each item's `view`) likewise."""
    anonymous, demo, admin = callers["anonymous"], callers["demo"], callers["admin"]
    nothing = anonymous.search_raw({"type": "Experiment"})
    assert nothing["total"] == 0 and nothing["@graph"] == []
    assert anonymous.get("/experiments/")["total"] == 0
    mine = demo.search_raw({"type": "Experiment"})
    assert mine["total"] == 1 and [e["@id"] for e in mine["@graph"]] == [DEMO_EXPERIMENT]
    status = {f["field"]: f for f in mine["facets"]}["status"]
    assert status["terms"] == [{"key": "in progress", "doc_count": 1}]
    assert admin.search_raw({"type": "Experiment"})["total"] == 2
    assert sorted(e["@id"] for e in admin.get("/experiments/")["@graph"]) == \
        [DEMO_EXPERIMENT, OTHER_EXPERIMENT]
    anonymous_files = anonymous.search("File", {"dataset": DEMO_EXPERIMENT})
    assert len(anonymous_files) == 4  # the released fastqs, not an uploading one
    demo.post("file", bam())
    assert len(anonymous.search("File", {"dataset": DEMO_EXPERIMENT})) == 4
    assert len(demo.search("File", {"dataset": DEMO_EXPERIMENT})) == 5


def test_embedded_links_to_hidden_items_are_embedded_whole_as_snovault_embeds(callers):
    """snovault's `request.embed` (the embedded frame's expand_path) runs as
    remoteuser.EMBED, which ONLY_ADMIN_VIEW lets view every item, and indexed documents
    are the INDEXER's: a caller who may view the item sees its embedded links whole, even
    those it may not GET itself. Only the item asked for is checked."""
    anonymous = callers["anonymous"]
    _forbidden(anonymous, REPLICATE_2)
    embedded = anonymous.get(R3, frame="embedded")
    assert embedded["replicate"]["@id"] == REPLICATE_2
    assert embedded["replicate"]["experiment"]["status"] == "in progress"


def test_downloads_need_view_and_upload_credentials_need_edit(callers, http_portal):
    """file.py: `@@download` is permission='view', `@@upload` permission='edit'
    (role.lab_submitter on an unreleased file)."""
    demo, anonymous, remc = callers["demo"], callers["anonymous"], callers["remc"]
    created = demo.post("file", bam())
    session = anonymous._session
    denied = session.get(http_portal.url + created["href"], timeout=10)
    assert denied.status_code == 403 and denied.json()["@type"][0] == "HTTPForbidden"
    assert demo._session.get(http_portal.url + created["href"], timeout=10).status_code == 404
    assert demo.get(created["@id"] + "@@upload")["@graph"][0]["upload_credentials"]
    _forbidden(remc, created["@id"] + "@@upload")


def test_a_database_seeded_before_permissions_gives_the_demo_user_its_viewing_group(tmp_path):
    """Without ENCODE4 the demo key could not view its own lab's runs in an older database;
    the reopened database adds that one property and keeps what the user changed."""
    portal = LocalPortal(tmp_path / "old.sqlite")
    user = portal.store.by_at_id(DEMO_USER)
    del user.props["viewing_groups"]
    user.props["first_name"] = "Changed"
    portal.store.save(user, portal.store.keys_of(user.uuid))
    portal.store.put_meta("seeded", "demo")  # the seed's first version
    reopened = LocalPortal(tmp_path / "old.sqlite").store.by_at_id(DEMO_USER)
    assert reopened.props["viewing_groups"] == ["ENCODE4"]
    assert reopened.props["first_name"] == "Changed"
