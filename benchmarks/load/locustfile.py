"""The clients of benchmarks/load/run.py (which writes the files named here into
``ZHICHENG_LOAD_DIR`` and starts locust with one of the two classes).

- ``Declarant``: the applicants' front end on the last evening — each task writes one
  applicant's declaration (PUT …/declarations/{id_number}) and submits it (POST
  …/actions/submit); every applicant once, until they are used up.
- ``Official``: officials signed in (province, city, unit, committee accounts; tokens made by
  run.py) paging through their pages and the API's application list."""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path
from urllib.parse import quote

from locust import HttpUser, between, constant, task
from locust.exception import StopUser

DIR = Path(os.environ.get("ZHICHENG_LOAD_DIR", "."))
STATE = json.loads((DIR / "state.json").read_text()) if (DIR / "state.json").exists() else {}
CYCLE = STATE.get("cycle_id", "")


def _evening() -> list[dict[str, str]]:
    path = DIR / "evening.jsonl"
    return [json.loads(line) for line in path.open()] if path.exists() else []


EVENING = _evening()
# gevent: one process, cooperative, so a plain counter is safe; it starts past the applicants
# earlier runs on the same database took (run.py --reuse, pairs.py)
NEXT = itertools.count(int(os.environ.get("ZHICHENG_LOAD_START", "0")))
OFFICIALS = (
    json.loads((DIR / "officials.json").read_text()) if (DIR / "officials.json").exists() else {}
)
ROLES = itertools.count()


class Declarant(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {STATE['intake_token']}"}

    @task
    def declare_and_submit(self) -> None:
        i = next(NEXT)
        if i >= len(EVENING):
            raise StopUser()
        fields = EVENING[i]
        id_number = fields["身份证号"]
        with self.client.put(
            f"/api/cycles/{CYCLE}/declarations/{quote(id_number)}",
            json=fields,
            headers=self.headers,
            name="declaration PUT",
            catch_response=True,
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code} {answer.text[:200]}")
                return
            app_id = answer.json()["application"]["id"]
        with self.client.post(
            f"/api/cycles/{CYCLE}/actions/submit",
            json={"ids": [app_id]},
            headers=self.headers,
            name="submit",
            catch_response=True,
        ) as answer:
            if answer.status_code == 200 and answer.json().get("done") == [app_id]:
                return
            if answer.status_code == 409 and answer.json().get("codes", {}).get(str(app_id)):
                # Refused by a rule (e.g. ineligible: the simulation draws some applicants the
                # rules turn away): a right answer, counted on a line of its own.
                answer.success()
                self.environment.events.request.fire(
                    request_type="RULE",
                    name=f"submit refused: {answer.json()['codes'][str(app_id)]}",
                    response_time=answer.elapsed.total_seconds() * 1000,
                    response_length=0,
                    exception=None,
                    context={},
                )
                return
            answer.failure(f"{answer.status_code} {answer.text[:200]}")


class Official(HttpUser):
    """Each official takes the next account in turn (province, city, unit, committee) and
    opens its pages one after another, with a short pause as a person would."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        who = OFFICIALS["officials"][next(ROLES) % len(OFFICIALS["officials"])]
        self.headers = {"Authorization": f"Bearer {who['token']}"}
        self.pages = who["pages"]

    @task
    def page(self) -> None:
        for name, path in self.pages:
            path = path.format(
                city=random.choice(OFFICIALS["cities"]),
                unit=random.choice(OFFICIALS["units"]),
                offset=200 * random.randrange(50),
            )
            self.client.get(path, headers=self.headers, name=name)
