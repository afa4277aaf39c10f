"""The documented TF Serving requests, REST and gRPC, answered by the exported signature."""

import json

import numpy as np
import pytest
import tensorflow as tf

import datasets
from zoo import TAnoGAN, evaluation, export, serving


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A tiny calibrated TAnoGAN exported to disk: (dataset, reloaded model, signature)."""
    ds = datasets.load("synthetic", window=20, train_length=400, val_length=200,
                       test_length=600, n_point=2, n_contextual=1, n_collective=1)
    model = TAnoGAN.for_dataset(ds, generator_units=(8, 8, 8), discriminator_units=8,
                                inversion_steps=5)
    model.compile()
    model.fit(np.ascontiguousarray(ds.examples("train", stride=4)[0]), batch_size=16, epochs=1,
              verbose=0)
    model.calibrate(evaluation.calibration_inputs(ds, stride=5))
    folder = tmp_path_factory.mktemp("serving") / "tanogan"
    export.export(model, folder, {"model": "tanogan", "dataset": ds.name})
    reloaded, _ = export.load(folder)
    signature = tf.saved_model.load(str(folder / "serving" / "1")).signatures["serving_default"]
    return ds, reloaded, signature


def test_raw_windows_through_the_signature_score_as_evaluate_does(exported):
    ds, model, signature = exported
    scored = evaluation.score_split(model, ds, "test", stride=10)
    raw, _ = ds.examples("test", stride=10)
    served = signature(inputs=tf.constant(np.ascontiguousarray(raw)))
    np.testing.assert_allclose(served["score"].numpy(), scored.example_scores, atol=1e-5)
    np.testing.assert_array_equal(served["is_anomaly"].numpy(),
                                  scored.example_scores > float(model.threshold.numpy()))


@pytest.mark.parametrize("columnar", [False, True])
def test_rest_body_and_answer(exported, columnar):
    ds, model, signature = exported
    windows = np.ascontiguousarray(ds.examples("test", stride=50)[0][:3])
    body = serving.rest_body(windows, columnar=columnar)
    assert json.loads(body)["signature_name"] == "serving_default"
    answer = serving.answer_rest(signature, body)
    if columnar:
        scores = answer["outputs"]["score"]
    else:
        assert set(answer["predictions"][0]) == {"score", "is_anomaly"}
        scores = [p["score"] for p in answer["predictions"]]
    np.testing.assert_allclose(scores, model.score(windows), atol=1e-5)


def test_grpc_request_and_answer(exported):
    ds, model, signature = exported
    windows = np.ascontiguousarray(ds.examples("test", stride=50)[0][:3])
    request = serving.grpc_request(windows, model_name="tanogan")
    assert request.model_spec.signature_name == "serving_default"
    assert list(request.inputs["inputs"].tensor_shape.dim[i].size for i in range(3)) == [3, 20, 1]
    response = serving.answer_grpc(signature, request)
    np.testing.assert_allclose(tf.make_ndarray(response.outputs["score"]), model.score(windows),
                               atol=1e-5)
    assert tf.make_ndarray(response.outputs["is_anomaly"]).dtype == bool
