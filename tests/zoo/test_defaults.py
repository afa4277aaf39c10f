"""Every model's defaults are written once: the constructor holds the paper's, KIND_ARGUMENTS
only what a kind of data changes, `data_arguments` only what is read off the data."""

import inspect

import numpy as np
import pytest

import datasets
import zoo
from datasets.base import KINDS, Dataset, Split
from tests import helpers
from tests.zoo.test_gru_vae import normal_sessions, pad, session_dataset


def tabular_dataset() -> Dataset:
    rows = helpers.correlated_rows(64)
    split = Split(rows, np.zeros(len(rows), np.int8))
    return Dataset(name="rows", kind="tabular", train=split, val=split, test=split,
                   meta={"scaling": helpers.scaling_of(rows)})


@pytest.fixture(scope="module")
def dataset_of_kind(digits):
    return {"series": datasets.load("synthetic", train_length=400, val_length=200,
                                    test_length=600, n_point=2, n_contextual=1,
                                    n_collective=1),
            "image": digits, "tabular": tabular_dataset(),
            "sessions": session_dataset(pad(normal_sessions(16, seed=0), 14))}


def as_lists(value):
    """Tuples as lists, all the way down: how get_config writes sequences."""
    if isinstance(value, (list, tuple)):
        return [as_lists(v) for v in value]
    return value


def constructor_defaults(cls) -> dict:
    return {p.name: p.default for p in inspect.signature(cls.__init__).parameters.values()
            if p.default is not inspect.Parameter.empty}


@pytest.mark.parametrize("name", zoo.names())
def test_for_dataset_departs_from_the_constructor_only_where_the_model_says(name,
                                                                             dataset_of_kind):
    cls = zoo.get(name)
    defaults = constructor_defaults(cls)
    assert cls.KIND_ARGUMENTS and set(cls.KIND_ARGUMENTS) <= set(KINDS)
    for kind, arguments in cls.KIND_ARGUMENTS.items():
        ds = dataset_of_kind[kind]
        config = cls.for_dataset(ds).get_config()
        declared = {"example_shape", "scaling", *arguments, *cls.data_arguments(ds)}
        for key, default in defaults.items():
            if key not in declared:
                assert as_lists(config[key]) == as_lists(default), (kind, key)
        for key, value in arguments.items():
            assert key in defaults, f"KIND_ARGUMENTS[{kind!r}] names no argument {key!r}"
            assert as_lists(value) != as_lists(defaults[key]), (
                f"KIND_ARGUMENTS[{kind!r}][{key!r}] repeats the constructor's default")
            assert as_lists(config[key]) == as_lists(value), (kind, key)


@pytest.mark.parametrize("name", zoo.names())
def test_a_kind_the_model_does_not_take_is_refused_by_name(name, dataset_of_kind):
    cls = zoo.get(name)
    for kind in set(KINDS) - set(cls.KIND_ARGUMENTS):
        with pytest.raises(zoo.DetectorError, match=f"{cls.__name__} models .*; dataset "
                                                    f".* is {kind}"):
            cls.for_dataset(dataset_of_kind[kind])


@pytest.mark.parametrize("name", zoo.names())
def test_every_player_trains_some_variables_and_an_unknown_one_is_refused(name,
                                                                          dataset_of_kind):
    cls = zoo.get(name)
    model = cls.for_dataset(dataset_of_kind[next(iter(cls.KIND_ARGUMENTS))])
    owned = [id(v) for player in model.PLAYERS for v in model.player_variables(player)]
    assert all(model.player_variables(player) for player in model.PLAYERS)
    assert len(owned) == len(set(owned)), "a variable belongs to two players"
    with pytest.raises(zoo.DetectorError, match="has no player 'referee'; its players: "):
        model.player_variables("referee")
