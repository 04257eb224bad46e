"""A minimal RunPod serverless handler for ModelPipeline's `runpod` training backend.

Build an image from python:3.11-slim with `pip install runpod numpy<2 scikit-learn==1.4.2
skl2onnx==1.16.0 boto3`, copy this folder and ../iris_train.py into it, and start
`python handler.py`; point training.runpod.endpointId in pipeline.json at the endpoint.

modelpipe sends input = {model, training_key, hyperparameters, data, ...training.runpod.input}
(docs/remote-training.md). The handler trains, packs the files under models/ into a tar.gz,
uploads it to S3 (bucket from input "bucket"; credentials from the endpoint's AWS_* secrets) and
returns {"archive_url": <presigned https URL>, "sha256": <hex of the archive>}, which modelpipe
downloads, verifies and extracts safely.
"""
import hashlib
import os
import sys
import tarfile
import tempfile

import boto3
import runpod

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from iris_train import train_iris  # noqa: E402


def handler(job):
    job_input = job["input"]
    work = tempfile.mkdtemp()
    out_dir = os.path.join(work, "models")
    train_iris(job_input["data"], job_input.get("hyperparameters", {}), out_dir)

    archive = os.path.join(work, "output.tar.gz")
    with tarfile.open(archive, "w:gz") as tar:
        for name in sorted(os.listdir(out_dir)):
            tar.add(os.path.join(out_dir, name), arcname=f"models/{name}", recursive=False)
    with open(archive, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()

    key = f"{job_input['model']}/{job_input['training_key']}/output.tar.gz"
    s3 = boto3.client("s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))
    s3.upload_file(archive, job_input["bucket"], key)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": job_input["bucket"], "Key": key}, ExpiresIn=86400)
    return {"archive_url": url, "sha256": digest}


if __name__ == "__main__":
    runpod.serverless.start({"handler": handler})
