"""Finding 5 (the committee part): a committee key outside the viewer's scope and one that
does not exist get one answer, so a page cannot be used to learn which committees exist."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.dashboard.conftest import World, token


def test_an_unknown_and_an_out_of_scope_committee_key_answer_alike(
    client: TestClient, world: World
) -> None:
    # Lanzhou's unit sent nothing to Jiayuguan's engineering committee: outside its scope.
    lanzhou = token(client, world.users["lz-unit"])
    base = f"/cycles/{world.cycle_id}/committees"
    outside = client.get(f"{base}/jyg-gc-zj", headers=lanzhou)
    unknown = client.get(f"{base}/no-such-committee", headers=lanzhou)
    assert outside.status_code == unknown.status_code == 403
    assert "jyg-gc-zj" not in outside.text and "no-such-committee" not in unknown.text
    assert _message(outside.text) == _message(unknown.text)
    # Unit A sent its applications there: the page opens.
    unit_a = token(client, world.users["unit_a"])
    assert client.get(f"{base}/jyg-gc-zj", headers=unit_a).status_code == 200


def _message(page: str) -> str:
    start = page.index('<p role="alert">')
    return page[start : page.index("</p>", start)]
