# s3rver (npm): the S3-compatible server the remote-training tests (Kubeflow Pipelines artifacts)
# start on 127.0.0.1. Sourced by build/scripts/test-deps.sh; idempotent; never fails the build:
# without it those tests skip and say why.
if command -v s3rver >/dev/null 2>&1; then
  echo "test-deps: s3rver present"
elif ! command -v npm >/dev/null 2>&1; then
  echo "test-deps: npm missing; the tests that need s3rver will skip."
else
  echo "test-deps: npm install -g s3rver"
  npm install -g --no-audit --no-fund --loglevel=error s3rver >/dev/null 2>&1 \
    || echo "test-deps: could not install s3rver; the tests that need it will skip."
fi
