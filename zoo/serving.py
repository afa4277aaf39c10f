"""Requests to TF Serving for an exported zoo model, and what the server does with them.

`rest_body` and `grpc_request` build what a client sends; `answer_rest` and `answer_grpc` run
such a request against a loaded SavedModel signature exactly as TF Serving's predict API reads
and writes it, so a client can be tested without a model server (which cannot be installed
everywhere; see docs/SERVING.md).
"""

from __future__ import annotations

import json
from typing import Any, Callable

import numpy as np
import tensorflow as tf

SIGNATURE = "serving_default"
INPUT = "inputs"


def rest_body(inputs: np.ndarray, columnar: bool = False) -> str:
    """The JSON body of `POST /v1/models/<name>:predict`.

    Row format ({"instances": [...]}) lists one example per entry; the columnar format
    ({"inputs": {"inputs": [...]}}) sends the batch as one tensor.
    """
    values = np.asarray(inputs).tolist()
    body = {"inputs": {INPUT: values}} if columnar else {"instances": values}
    return json.dumps({"signature_name": SIGNATURE, **body})


def grpc_request(inputs: np.ndarray, model_name: str, dtype=tf.float32):
    """A tensorflow_serving PredictRequest for `inputs` (send it with a PredictionServiceStub)."""
    from tensorflow_serving.apis import predict_pb2  # noqa: PLC0415 (optional dependency)

    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = SIGNATURE
    request.inputs[INPUT].CopyFrom(tf.make_tensor_proto(np.asarray(inputs), dtype=dtype))
    return request


def answer_rest(signature: Callable[..., dict[str, tf.Tensor]], body: str) -> dict[str, Any]:
    """What TF Serving answers to `body`: {"predictions": [...]} for the row format (one dict
    of outputs per example), {"outputs": {...}} for the columnar one."""
    request = json.loads(body)
    row_format = "instances" in request
    values = request["instances"] if row_format else request["inputs"][INPUT]
    dtype = signature.structured_input_signature[1][INPUT].dtype
    outputs = {name: value.numpy().tolist()
               for name, value in signature(**{INPUT: tf.constant(values, dtype)}).items()}
    if row_format:
        return {"predictions": [dict(zip(outputs, row)) for row in zip(*outputs.values())]}
    return {"outputs": outputs}


def answer_grpc(signature: Callable[..., dict[str, tf.Tensor]], request):
    """What TF Serving answers to a PredictRequest: a PredictResponse with one tensor per output."""
    from tensorflow_serving.apis import predict_pb2  # noqa: PLC0415 (optional dependency)

    outputs = signature(**{INPUT: tf.constant(tf.make_ndarray(request.inputs[INPUT]))})
    response = predict_pb2.PredictResponse()
    response.model_spec.CopyFrom(request.model_spec)
    for name, value in outputs.items():
        response.outputs[name].CopyFrom(tf.make_tensor_proto(value.numpy()))
    return response
