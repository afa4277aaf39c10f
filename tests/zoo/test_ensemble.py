"""GAN ensembles: the shared detector checks on tiny 2x2 ensembles (EGBAD's, AnoGAN's), and the
ensemble's own behaviour on each base (distinct members, one drawn pair per step playing the
base's step, the score as the mean over the pairs, one mirrored step as the default one)."""

import keras
import numpy as np
import pytest

import datasets
import zoo
from tests import helpers
from tests.zoo import test_anogan, test_egbad, test_ganomaly, test_tanogan
from zoo import DetectorError, GANomaly, inversion

TWO_BY_TWO = dict(n_generators=2, n_discriminators=2)
TINY = {"egbad_ensemble": {**test_egbad.TINY_ROWS, **TWO_BY_TWO},
        "ganomaly_ensemble": {**test_ganomaly.TINY_ROWS, **TWO_BY_TWO},
        "anogan_ensemble": {**test_anogan.TINY_ROWS, **TWO_BY_TWO},
        # one LSTM layer each and the score at the search's start: LSTM searches trace slowly
        "tanogan_ensemble": {**test_tanogan.TINY, "generator_units": (4,),
                             "discriminator_units": 4, "inversion_steps": 0, **TWO_BY_TWO}}


def weights(variables) -> list[np.ndarray]:
    return [v.numpy().copy() for v in variables]


def moved(before: list[np.ndarray], variables) -> bool:
    return any(not np.array_equal(b, v.numpy()) for b, v in zip(before, variables, strict=True))


def member_weights(model) -> dict[str, list[np.ndarray]]:
    """Each member's variables by player: {"generator_0": [...], ...}."""
    return {player: weights(model.player_variables(player)) for player in model.PLAYERS}


#: An ensemble of f-AnoGANs: each generator member with an encoder, scored from E_i(x).
F_ANOGAN = {**TINY["anogan_ensemble"], "encoder_epochs": 2, "inversion_start": "encoder",
            "inversion_steps": 0}


@pytest.mark.parametrize("name, arguments", [("egbad_ensemble", TINY["egbad_ensemble"]),
                                             ("anogan_ensemble", TINY["anogan_ensemble"]),
                                             ("anogan_ensemble", F_ANOGAN)],
                         ids=["egbad", "anogan", "f-anogan"])
def test_shared_detector_checks(name, arguments, tmp_path):
    """EGBAD's (three players), AnoGAN's (scored by four searches) and f-AnoGAN's (encoders
    trained after the game); GANomaly's and TAnoGAN's ensembles are the same code over other
    networks, and tracing TAnoGAN's pairs is slow."""
    keras.utils.set_random_seed(0)
    model = helpers.rows_model(zoo.get(name), **arguments)
    model.compile()
    x = helpers.correlated_rows()
    helpers.run_detector_checks(model, x, x[:8], tmp_path)


def test_members_start_apart_and_take_different_updates():
    keras.utils.set_random_seed(0)
    model = helpers.rows_model(zoo.get("egbad_ensemble"), **TINY["egbad_ensemble"])
    model.compile()
    for player in ("generator", "encoder", "discriminator"):
        first, second = (model.player_variables(f"{player}_{k}") for k in (0, 1))
        assert {id(v) for v in first}.isdisjoint(id(v) for v in second)
        assert not np.allclose(first[0].numpy(), second[0].numpy()), player
    before = member_weights(model)
    model.fit(helpers.correlated_rows(), batch_size=16, epochs=2, verbose=0)
    after = member_weights(model)
    for player in ("generator", "encoder", "discriminator"):
        updates = [after[f"{player}_{k}"][0] - before[f"{player}_{k}"][0] for k in (0, 1)]
        assert np.abs(updates[0]).max() > 0 and np.abs(updates[1]).max() > 0, player
        assert not np.allclose(updates[0], updates[1]), player


def test_a_step_plays_the_base_step_on_the_drawn_pair_alone():
    """One step of a GANomaly ensemble (no random draws in its step) moves one generator and
    one discriminator exactly as a GANomaly model of the same weights moves on that batch, and
    leaves every other member, and its optimizer, untouched."""
    x = helpers.correlated_rows(16)
    keras.utils.set_random_seed(0)
    model = helpers.rows_model(zoo.get("ganomaly_ensemble"), **TINY["ganomaly_ensemble"])
    model.compile(**{f"{p}_optimizer": keras.optimizers.SGD(0.1) for p in model.PLAYERS})
    before = member_weights(model)
    history = model.fit(x, batch_size=16, epochs=1, verbose=0)
    changed = sorted(p for p in model.PLAYERS if moved(before[p], model.player_variables(p)))
    assert len(changed) == 2 and changed[0].startswith("discriminator_"), changed
    i, j = int(changed[1].rsplit("_", 1)[1]), int(changed[0].rsplit("_", 1)[1])
    assert changed == [f"discriminator_{j}", f"generator_{i}"]
    for player in set(model.PLAYERS) - set(changed):
        assert int(getattr(model, f"{player}_optimizer").iterations.numpy()) == 0

    single = helpers.rows_model(GANomaly, **test_ganomaly.TINY_ROWS)
    roles = (("generator", f"generator_{i}"), ("discriminator", f"discriminator_{j}"))
    for player, member in roles:
        for variable, value in zip(single.player_variables(player), before[member], strict=True):
            variable.assign(value)
    single.compile(**{f"{p}_optimizer": keras.optimizers.SGD(0.1) for p in single.PLAYERS})
    single_history = single.fit(x, batch_size=16, epochs=1, verbose=0)
    for player, member in roles:
        for a, b in zip(single.player_variables(player), model.player_variables(member),
                        strict=True):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    for loss in GANomaly.LOSSES:
        assert history.history[loss][0] == pytest.approx(single_history.history[loss][0],
                                                         rel=1e-5)


def test_each_step_updates_one_member_of_each_side_and_every_member_plays():
    keras.utils.set_random_seed(0)
    model = helpers.rows_model(zoo.get("anogan_ensemble"), **TINY["anogan_ensemble"])
    model.compile()
    model.fit(helpers.correlated_rows(), batch_size=16, epochs=2, verbose=0)  # 32 steps
    steps = {p: int(getattr(model, f"{p}_optimizer").iterations.numpy()) for p in model.PLAYERS}
    assert steps["generator_0"] + steps["generator_1"] == 32
    assert steps["discriminator_0"] + steps["discriminator_1"] == 32
    assert min(steps.values()) > 0, steps


def _by_hand(model, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the ensemble's score, each pair's base score [pairs, batch]) of raw `x`, written out
    from the members' networks."""
    s = model.scale(x).numpy()
    pairs = []
    for i, j in model.pairs():
        if isinstance(model, zoo.EGBADEnsemble):
            encoder, generator = getattr(model, f"encoder_{i}"), getattr(model, f"generator_{i}")
            discriminator = getattr(model, f"discriminator_{j}")
            encoded = encoder(s).numpy()
            reconstructed = generator(encoded).numpy()
            real, fake = discriminator(s, encoded)[1].numpy(), discriminator(reconstructed,
                                                                             encoded)[1].numpy()
            pairs.append(0.9 * np.abs(s - reconstructed).sum(1) + 0.1 * np.abs(real - fake).sum(1))
        elif isinstance(model, zoo.GANomalyEnsemble):
            z = getattr(model, f"encoder_{i}")(s).numpy()
            again = getattr(model, f"second_encoder_{i}")(getattr(model, f"decoder_{i}")(z))
            pairs.append(np.abs(z - again.numpy()).sum(1))
        else:
            features = (getattr(model, f"discriminator_features_{j}")
                        if isinstance(model, zoo.TAnoGANEnsemble) else
                        (lambda v, d=getattr(model, f"discriminator_{j}"): d(v)[1]))
            start = model.base_model.prior_start(len(s))
            pairs.append(inversion.invert(s, start, getattr(model, f"generator_{i}"),
                                          lambda v: [features(v)], [0.1],
                                          steps=model.base_model.inversion_steps).score.numpy())
    return np.mean(pairs, axis=0), np.array(pairs)


@pytest.mark.parametrize("name", ["egbad_ensemble", "ganomaly_ensemble", "anogan_ensemble",
                                  "tanogan_ensemble"])
def test_the_score_is_the_mean_of_the_pairs_base_scores(name, short_windows):
    keras.utils.set_random_seed(0)
    if name == "tanogan_ensemble":
        ds, _, x_test, _ = short_windows
        model, x = zoo.get(name).for_dataset(ds, **TINY[name]), x_test[:6]
    else:
        model, x = helpers.rows_model(zoo.get(name), **TINY[name]), helpers.correlated_rows()[:6]
    expected, pairs = _by_hand(model, x)
    np.testing.assert_allclose(model.score(x), expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(pairs[0], pairs[-1])  # the members score apart


def test_defaults_config_and_refusals(digits):
    ds = datasets.load("synthetic")
    model = zoo.get("tanogan_ensemble").for_dataset(ds, generator_units=(4,), inversion_steps=2)
    assert (model.n_generators, model.n_discriminators) == (3, 3)  # the reference scripts'
    assert len(model.PLAYERS) == 6 and model.name == "tanogan_ensemble"
    assert model.base_model.generator_units == (4,) and model.base_model.inversion_steps == 2
    assert zoo.get("egbad_ensemble").KIND_ARGUMENTS is zoo.EGBAD.KIND_ARGUMENTS
    images = zoo.get("egbad_ensemble").for_dataset(digits, n_generators=1)
    assert images.base_model.learning_rate == zoo.EGBAD.KIND_ARGUMENTS["image"]["learning_rate"]
    assert zoo.name_of(images) == "egbad_ensemble" and len(images.pairs()) == 3
    config = images.get_config()
    assert config["n_discriminators"] == 3 and config["generator_hidden"] == [64, 32]
    with pytest.raises(DetectorError, match="n_generators must be an integer >= 1, got 0"):
        zoo.get("egbad_ensemble")(example_shape=(6,), n_generators=0)
    with pytest.raises(DetectorError, match="EGBADEnsemble has no argument units"):
        zoo.get("egbad_ensemble").for_dataset(digits, units=3)
    with pytest.raises(DetectorError, match="AnoGANEnsemble traces each pair's search itself"):
        zoo.get("anogan_ensemble").for_dataset(digits, inversion_jit=True)
    with pytest.raises(DetectorError, match="GANomalyEnsemble models rows or images"):
        zoo.get("ganomaly_ensemble").for_dataset(ds)


def test_f_anogan_members_train_their_encoders_after_the_game_alone():
    keras.utils.set_random_seed(0)
    x = helpers.correlated_rows()
    model = helpers.rows_model(zoo.get("anogan_ensemble"), **F_ANOGAN)
    model.compile()
    with pytest.raises(DetectorError, match="the encoders are not trained yet"):
        model.score(x[:4])
    game = [v for p in model.PLAYERS for v in model.player_variables(p)]
    encoders = [model.encoder_0, model.encoder_1]
    assert {id(v) for v in game}.isdisjoint(id(v) for e in encoders for v in e.weights)
    model.fit(x, batch_size=16, epochs=1, verbose=0)
    after_game, before = weights(game), [weights(e.weights) for e in encoders]
    history = model.fit_encoders(x, batch_size=16, epochs=2, verbose=0)
    assert history.history["encoder_loss"][-1] < history.history["encoder_loss"][0]
    assert not moved(after_game, game)  # every G and D frozen
    assert all(moved(b, e.weights) for b, e in zip(before, encoders))

    s = model.scale(x[:6]).numpy()
    pairs = [inversion.invert(s, getattr(model, f"encoder_{i}")(s),
                              getattr(model, f"generator_{i}"),
                              lambda v, d=getattr(model, f"discriminator_{j}"): [d(v)[1]], [0.1],
                              steps=0).score.numpy() for i, j in model.pairs()]
    np.testing.assert_allclose(model.score(x[:6]), np.mean(pairs, axis=0), rtol=1e-5, atol=1e-6)


def test_one_mirrored_step_on_two_devices_equals_the_default_strategy_step():
    helpers.check_mirrored_step_matches_default(
        setup="""
            import zoo
            from tests import helpers
            rows = helpers.correlated_rows(16)
        """,
        build=("zoo.get('egbad_ensemble')(example_shape=(6,), scaling=helpers.scaling_of(rows), "
               f"**{TINY['egbad_ensemble']!r})"),
        data="rows")
