#!/usr/bin/env bash
# Checks deploy/ as far as a machine without a container engine or a Kubernetes cluster allows:
#  1. every YAML manifest in deploy/kubernetes parses; each document has apiVersion, kind and
#     metadata.name; the Deployment, RBAC, Services, secret template and kustomization agree with
#     each other and with the settings the silo reads (deploy/tools/check-deploy.mjs, js-yaml
#     pinned in deploy/tools/package-lock.json); the Dockerfile's final stage is aspnet:10.0,
#     copies publish/, runs as non-root, exposes the ports and runs ["dotnet", "<dll>"];
#  2. `kubectl kustomize deploy/kubernetes` renders, when kubectl is installed (offline);
#  3. deploy/container/publish.sh: publishes the silo into deploy/container/publish and starts the
#     published output once (GET /health answers 200);
#  4. the Dockerfile's ENTRYPOINT dll is in that publish output, for ASP.NET Core 10;
#  5. with --kubernetes-mode only: deploy/tools/kubernetes-mode-smoke.sh, two silos of that output
#     with GridHost__Kubernetes=true, Azure Table membership in Azurite and a stand-in Kubernetes
#     API (needs root, unshare, openssl, python3).
# Exits non-zero with a FAILED line naming the step on any failure. Needs the .NET SDK, Node.js
# and npm (the npm registry for the first `npm ci`).
#
#   deploy/check.sh [--kubernetes-mode]
set -euo pipefail

KUBERNETES_MODE=0
for arg in "$@"; do
  case "$arg" in
    --kubernetes-mode) KUBERNETES_MODE=1 ;;
    *) echo "usage: deploy/check.sh [--kubernetes-mode]" >&2; exit 2 ;;
  esac
done

DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$DEPLOY_DIR/.." && pwd)"
TOOLS_DIR="$DEPLOY_DIR/tools"
cd "$REPO_ROOT"

step=""
on_exit() {
  local rc=$?
  if ((rc != 0)); then
    echo >&2
    echo "deploy/check.sh: FAILED at step: $step (exit $rc)" >&2
  fi
}
trap on_exit EXIT
begin() { step="$1"; echo; echo "=== $1"; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "deploy/check.sh: '$1' is not installed; $2" >&2; exit 1; }; }

begin "tools"
need node "install Node.js (Debian: apt-get install nodejs npm)"
need npm "install npm (Debian: apt-get install npm)"
need dotnet "install the .NET 10 SDK"
need curl "install curl"
# The pinned YAML parser: installed from the lock file when missing or when the lock file changed.
if [[ ! -f "$TOOLS_DIR/node_modules/js-yaml/package.json" ]] \
   || ! cmp -s <(node -e 'const l=require(process.argv[1]);console.log(l.packages["node_modules/js-yaml"].version)' "$TOOLS_DIR/package-lock.json") \
               <(node -e 'console.log(require(process.argv[1]).version)' "$TOOLS_DIR/node_modules/js-yaml/package.json"); then
  npm ci --prefix "$TOOLS_DIR" --no-audit --no-fund --loglevel=error
fi
echo "js-yaml $(node -e 'console.log(require(process.argv[1]).version)' "$TOOLS_DIR/node_modules/js-yaml/package.json") (deploy/tools), node $(node --version), dotnet $(dotnet --version)"
for script in "$DEPLOY_DIR/check.sh" "$DEPLOY_DIR/container/publish.sh" "$TOOLS_DIR/kubernetes-mode-smoke.sh"; do
  bash -n "$script" || { echo "bash -n $script failed" >&2; exit 1; }
done

begin "manifests and Dockerfile (static checks)"
node "$TOOLS_DIR/check-deploy.mjs" manifests

begin "kustomize render"
if command -v kubectl >/dev/null 2>&1; then
  rendered="$(kubectl kustomize "$DEPLOY_DIR/kubernetes")"
  kinds="$(grep -E '^kind: ' <<<"$rendered" | sed 's/^kind: //' | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')"
  grep -q '^kind: Secret' <<<"$rendered" && { echo "the rendered kustomization contains a Secret: the template must not be applied" >&2; exit 1; }
  echo "kubectl kustomize deploy/kubernetes renders: $kinds"
else
  echo "kubectl not installed: skipped (the static checks above cover the kustomization's resources)"
fi

begin "publish and start the published silo (deploy/container/publish.sh)"
"$DEPLOY_DIR/container/publish.sh"

begin "the Dockerfile's ENTRYPOINT dll is in the publish output"
node "$TOOLS_DIR/check-deploy.mjs" publish-output "$DEPLOY_DIR/container/publish"

if ((KUBERNETES_MODE)); then
  begin "GridHost:Kubernetes with Azure Storage clustering (deploy/tools/kubernetes-mode-smoke.sh)"
  "$TOOLS_DIR/kubernetes-mode-smoke.sh"
fi

step=""
echo
echo "deploy/check.sh: all checks passed"
