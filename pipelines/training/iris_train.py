"""Trains the iris example the way ModelPipeline's remote backends expect (shared by both examples).

Reads the data references modelpipe sends, verifies each download's sha256, trains a multinomial
logistic regression, and writes the files models/iris/model.json lists into one folder:
model.onnx (input "input" [N,4] float, output "probabilities" [N,3]), metrics.json (accuracy,
log_loss on a held-out fifth), test_vectors.json (inputs/outputs in modelpipe's format) and
SHA256SUMS (sha256sum format; modelpipe checks every file it lists).
"""
import csv
import hashlib
import io
import json
import os
import urllib.request


def fetch_verified(ref):
    """Downloads one data reference ({"name","uri","sha256"}) and refuses a wrong digest."""
    with urllib.request.urlopen(ref["uri"], timeout=600) as response:
        body = response.read()
    digest = hashlib.sha256(body).hexdigest()
    if ref.get("sha256") and digest != ref["sha256"]:
        raise ValueError(f"data source {ref['name']}: sha256 {digest} differs from {ref['sha256']}")
    return body


def train_iris(data_refs, hyperparameters, out_dir):
    import numpy as np
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, log_loss

    rows = list(csv.DictReader(io.StringIO(fetch_verified(data_refs[0]).decode("utf-8"))))
    x = np.array([[float(r[k]) for k in ("sepal_length", "sepal_width", "petal_length", "petal_width")] for r in rows], dtype=np.float32)
    y = np.array([int(r["species"]) for r in rows])
    test = np.arange(len(rows)) % 5 == 0
    l2 = float(hyperparameters.get("l2", 1e-4))
    clf = LogisticRegression(C=1.0 / max(l2, 1e-12), max_iter=int(hyperparameters.get("epochs", 400)))
    clf.fit(x[~test], y[~test])

    os.makedirs(out_dir, exist_ok=True)
    onnx = convert_sklearn(clf, initial_types=[("input", FloatTensorType([None, 4]))],
                           options={id(clf): {"zipmap": False}}, target_opset=17)
    with open(os.path.join(out_dir, "model.onnx"), "wb") as f:
        f.write(onnx.SerializeToString())

    probabilities = clf.predict_proba(x[test]).astype(np.float32)
    metrics = {"accuracy": float(accuracy_score(y[test], probabilities.argmax(axis=1))),
               "log_loss": float(log_loss(y[test], probabilities, labels=[0, 1, 2]))}
    vectors = {"inputs": {"input": {"shape": list(x[test].shape), "data": x[test].ravel().tolist()}},
               "outputs": {"probabilities": {"shape": list(probabilities.shape), "data": probabilities.ravel().tolist()}}}
    for name, value in (("metrics.json", metrics), ("test_vectors.json", vectors)):
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            json.dump(value, f)

    with open(os.path.join(out_dir, "SHA256SUMS"), "w", encoding="utf-8") as sums:
        for name in ("model.onnx", "metrics.json", "test_vectors.json"):
            with open(os.path.join(out_dir, name), "rb") as f:
                sums.write(f"{hashlib.sha256(f.read()).hexdigest()}  {name}\n")
    return metrics
