"""The applicants' names drawn without faker's per-draw weight sums are faker's own names, in
the same order, leaving faker's generator where faker would leave it (the rest of a seeded
year is drawn from it too)."""

from __future__ import annotations

from faker import Faker

from simulation.applicants import Names


def seeded(locale: str, seed: int) -> Faker:
    faker = Faker(locale)
    faker.seed_instance(seed)
    return faker


def test_zh_cn_names_are_fakers_own_in_the_same_order() -> None:
    ours, theirs = seeded("zh_CN", 2024), seeded("zh_CN", 2024)
    names = Names(ours)
    assert names.fast
    males = [n % 3 == 0 for n in range(5000)]
    drawn = [names.name(male) for male in males]
    expected = [theirs.name_male() if male else theirs.name_female() for male in males]
    assert drawn == expected
    assert ours.random.getstate() == theirs.random.getstate()


def test_a_locale_drawn_otherwise_is_left_to_faker() -> None:
    ours, theirs = seeded("en_US", 7), seeded("en_US", 7)
    names = Names(ours)
    assert not names.fast
    assert [names.name(n % 2 == 0) for n in range(200)] == [
        theirs.name_male() if n % 2 == 0 else theirs.name_female() for n in range(200)
    ]
