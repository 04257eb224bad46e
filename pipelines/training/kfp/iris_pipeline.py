"""A minimal Kubeflow Pipelines (v2) pipeline for ModelPipeline's `kfp` training backend.

Compile and upload it once:
    pip install kfp==2.*
    python iris_pipeline.py            # writes iris_pipeline.yaml (the pipeline spec)
    # upload iris_pipeline.yaml in the KFP UI or with `kfp pipeline create`, named as
    # training.kfp.pipelineName in pipeline.json (e.g. "modelpipeline-iris")

modelpipe creates one run per training key with the parameters below (see
docs/remote-training.md): model_name, training_key, data_refs (JSON), output_uri (from `outputUri`) and each
hyperparameter by name. The component writes the trained files and a SHA256SUMS under output_uri,
which modelpipe then collects (S3/MinIO credentials from the usual AWS_* variables of the pod).
"""
import os

from kfp import compiler, dsl

HERE = os.path.dirname(os.path.abspath(__file__))


@dsl.component(
    base_image="python:3.11-slim",
    packages_to_install=["numpy<2", "scikit-learn==1.4.2", "skl2onnx==1.16.0", "boto3==1.34.84"],
)
def train(model_name: str, training_key: str, data_refs: str, output_uri: str,
          learning_rate: float, epochs: int, l2: float, trainer_source: str) -> str:
    import json
    import os
    import tempfile
    import urllib.parse

    import boto3

    namespace = {}
    exec(compile(trainer_source, "iris_train.py", "exec"), namespace)  # the shared trainer, shipped as a parameter default
    out_dir = tempfile.mkdtemp()
    metrics = namespace["train_iris"](json.loads(data_refs), {"learning_rate": learning_rate, "epochs": epochs, "l2": l2}, out_dir)

    target = urllib.parse.urlparse(output_uri)  # s3://bucket/prefix/
    s3 = boto3.client("s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))
    for name in sorted(os.listdir(out_dir)):
        s3.upload_file(os.path.join(out_dir, name), target.netloc, target.path.lstrip("/") + name)
    return json.dumps({"model": model_name, "training_key": training_key, "metrics": metrics})


@dsl.pipeline(name="modelpipeline-iris", description="Trains models/iris for ModelPipeline's kfp backend.")
def iris_pipeline(model_name: str, training_key: str, data_refs: str, output_uri: str,
                  learning_rate: float = 0.5, epochs: int = 400, l2: float = 0.0001):
    with open(os.path.join(HERE, "..", "iris_train.py"), encoding="utf-8") as f:
        source = f.read()
    task = train(model_name=model_name, training_key=training_key, data_refs=data_refs, output_uri=output_uri,
                 learning_rate=learning_rate, epochs=epochs, l2=l2, trainer_source=source)
    task.set_display_name("train")
    task.set_cpu_limit("2").set_memory_limit("2G")


if __name__ == "__main__":
    compiler.Compiler().compile(iris_pipeline, os.path.join(HERE, "iris_pipeline.yaml"))
