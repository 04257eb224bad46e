# Signature tests (tests/ModelPipeline.Tests/Trust): openssl verifies the cosign and DSSE signatures
# independently of modelpipe (Debian's skopeo and podman are built with sigstore verification
# disabled, so they cannot check a sigstoreSigned policy). Sourced by test-deps.sh; idempotent.
if ! command -v openssl >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssl >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssl >/dev/null 2>&1; } \
      || echo "test-deps: could not install openssl; the signature tests will fail to verify independently."
  else
    echo "test-deps: openssl is missing and not root; the signature tests need it."
  fi
fi
true
