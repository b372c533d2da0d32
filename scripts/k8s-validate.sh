#!/usr/bin/env bash
# Builds every overlay in k8s/overlays with kustomize and validates the output with kubeconform (-strict: unknown
# fields are errors) against the Kubernetes API schemas, offline. The fast gate of scripts/test.sh.
#
# Tools, installed into .tools/k8s/ when missing (Go from the machine, modules from the Go module proxy):
#   kustomize  sigs.k8s.io/kustomize/kustomize/v5  KUSTOMIZE_VERSION
#   kubeconform github.com/yannh/kubeconform       KUBECONFORM_VERSION
# Schemas: kubeconform downloads them from GitHub by default, which CI cannot reach. The PyPI package
# kubernetes-validate ships the JSON schemas of Kubernetes 1.25–1.37; its per-kind files point into a shared
# definitions file by an absolute `$ref` that kubeconform cannot follow locally, so scripts/k8s/standalone-schemas.js
# inlines them once into .cache/k8s/ (about 1 s per version).
# Custom resources are skipped by name (-skip), not by -ignore-missing-schemas, which would also pass a core kind with
# a mistyped apiVersion: ExternalSecret (External Secrets Operator) and KafkaTopic (Strimzi) have no schema in that
# package; test/k8s/manifests.spec.ts checks the fields of theirs that the product relies on.
#
# Environment: K8S_VERSIONS (default "1.31.0 1.37.0": the oldest release with every field used here GA and the newest
# in the package).
set -euo pipefail
cd "$(dirname "$0")/.."

KUSTOMIZE_VERSION=v5.8.1
KUBECONFORM_VERSION=v0.8.0
SCHEMAS_PACKAGE=kubernetes-validate==1.37.0
K8S_VERSIONS=${K8S_VERSIONS:-"1.31.0 1.37.0"}
SKIP='external-secrets.io/v1/ExternalSecret,kafka.strimzi.io/v1beta2/KafkaTopic'
TOOLS=.tools/k8s
CACHE=.cache/k8s

say() { echo "k8s-validate: $*" >&2; }
die() { say "$*"; exit 1; }

# go install MODULE@VERSION into .tools/k8s/NAME-VERSION (a new version never runs an old binary).
go_tool() {
  local name=$1 module=$2 version=$3 bin="$TOOLS/$1-$3"
  if [ ! -x "$bin" ]; then
    command -v go >/dev/null 2>&1 || die "go is needed to install $name (Go 1.26 is on the project's machines)"
    say "installing $name $version from the Go module proxy"
    local tmp
    tmp=$(mktemp -d)
    # GOTOOLCHAIN=local: never fetch another Go; a module that needs a newer one fails here, clearly.
    GOTOOLCHAIN=local GOBIN="$tmp" go install "$module@$version" >&2 || { rm -rf "$tmp"; die "go install $module@$version failed"; }
    mkdir -p "$TOOLS"
    mv "$tmp/$name" "$bin"
    rm -rf "$tmp"
  fi
  echo "$bin"
}

# The standalone strict schemas of Kubernetes $1 in .cache/k8s/v$1-standalone-strict (made once).
schemas() {
  local version=$1 out="$CACHE/v$1-standalone-strict"
  if [ ! -f "$out/.complete" ]; then
    local wheel_dir="$CACHE/wheel"
    if ! ls "$wheel_dir"/kubernetes_validate-*.whl >/dev/null 2>&1; then
      say "downloading the schemas package $SCHEMAS_PACKAGE from PyPI"
      python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$wheel_dir" "$SCHEMAS_PACKAGE" >&2 ||
        die "pip download $SCHEMAS_PACKAGE failed"
    fi
    local raw="$CACHE/raw"
    rm -rf "$raw" "$out"
    python3 - "$wheel_dir" "$raw" "v$version-local-strict" <<'EOF' || die "no schemas for Kubernetes $version in $SCHEMAS_PACKAGE"
import glob, sys, zipfile
wheel_dir, dest, folder = sys.argv[1:]
z = zipfile.ZipFile(sorted(glob.glob(wheel_dir + '/kubernetes_validate-*.whl'))[-1])
names = [n for n in z.namelist() if f'/kubernetes-json-schema/{folder}/' in n]
if not names:
    sys.exit(1)
for n in names:
    z.extract(n, dest)
EOF
    node scripts/k8s/standalone-schemas.js "$raw/kubernetes_validate/kubernetes-json-schema/v$version-local-strict" "$out" >/dev/null
    rm -rf "$raw"
    touch "$out/.complete"
  fi
  echo "$out"
}

source scripts/node-env.sh >/dev/null || die "node is needed (scripts/node-env.sh)"
kustomize=$(go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION")
kubeconform=$(go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION")

mkdir -p "$CACHE/out"
status=0
overlays=$(find k8s/overlays -mindepth 1 -maxdepth 1 -type d | sort)
[ -n "$overlays" ] || die "no overlays in k8s/overlays"
for overlay in $overlays; do
  name=$(basename "$overlay")
  built="$CACHE/out/$name.yaml"
  if ! "$kustomize" build "$overlay" >"$built"; then
    say "$name: kustomize build failed"
    status=1
    continue
  fi
  for version in $K8S_VERSIONS; do
    dir=$(schemas "$version")
    if summary=$("$kubeconform" -strict -summary -skip "$SKIP" \
      -schema-location "$dir/{{ .ResourceKind }}{{ .KindSuffix }}.json" "$built" 2>&1); then
      say "$name, Kubernetes $version: ${summary##*- }"
    else
      echo "$summary" >&2
      say "$name, Kubernetes $version: INVALID"
      status=1
    fi
  done
done
exit $status
