#!/usr/bin/env bash
# Runs the published silo (deploy/container/publish) as two "pods" with the Deployment's settings,
# GridHost__Kubernetes=true, Azure Table membership and storage in Azurite, against a stand-in for
# the Kubernetes API (fake-kube-apiserver.py), and checks that Kubernetes hosting composes with
# Azure Storage clustering:
#   - both silos start and answer /health, and form one cluster;
#   - ServiceId and ClusterId come from ORLEANS_SERVICE_ID / ORLEANS_CLUSTER_ID (not GridHost):
#     each silo patches them onto its pod's labels and lists and watches pods by them;
#   - each silo is named after its pod (POD_NAME) and advertises its POD_IP (127.0.0.1, 127.0.0.2);
#   - deleting a pod makes the other silo declare that silo dead at once.
# Each silo runs in its own mount namespace with a tmpfs on /run holding the service account files
# (token, ca.crt, namespace) that in-cluster configuration reads; so it needs root and unshare.
# Needs: root, unshare, openssl, python3, Node.js/npm (Azurite from deploy/local's lock file).
#
#   deploy/container/publish.sh && deploy/tools/kubernetes-mode-smoke.sh     # or: deploy/check.sh --kubernetes-mode
set -euo pipefail

TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$TOOLS_DIR/../.." && pwd)"
PUBLISH_DIR="$REPO_ROOT/deploy/container/publish"
LOCAL_DIR="$REPO_ROOT/deploy/local"
WORK="$(mktemp -d)"
START_TIMEOUT="${SMOKE_START_TIMEOUT:-180}"

fail() { echo "kubernetes-mode-smoke: FAILED: $*" >&2; echo "(logs kept in $WORK)" >&2; exit 1; }

[[ $(id -u) == 0 ]] || fail "needs root (a mount namespace per silo for the service account files)"
for tool in unshare openssl python3 curl node npm; do
  command -v "$tool" >/dev/null || fail "'$tool' is not installed"
done
unshare -m --propagation private true 2>/dev/null || fail "unshare -m does not work here"
[[ -f "$PUBLISH_DIR/OrleansOrders.Silo.dll" ]] || fail "no publish output: run deploy/container/publish.sh first"
if [[ ! -x "$LOCAL_DIR/node_modules/.bin/azurite" ]]; then
  (cd "$LOCAL_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p=$1; while port_in_use "$p"; do p=$((p + 1)); done; echo "$p"; }
BLOB=$(free_port 10491); QUEUE=$(free_port $((BLOB + 1))); TABLE=$(free_port $((QUEUE + 1)))
API=$(free_port 16443)

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 40); do
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.5
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

echo "==> Azurite on 127.0.0.1:$BLOB-$TABLE, fake Kubernetes API on https://127.0.0.1:$API (work dir $WORK)"
"$LOCAL_DIR/node_modules/.bin/azurite" --silent --skipApiVersionCheck --disableTelemetry --inMemoryPersistence \
  --blobHost 127.0.0.1 --blobPort "$BLOB" --queueHost 127.0.0.1 --queuePort "$QUEUE" --tableHost 127.0.0.1 --tablePort "$TABLE" \
  >"$WORK/azurite.log" 2>&1 &
PIDS+=($!)
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=fake-kube-apiserver" \
  -addext "subjectAltName=IP:127.0.0.1" -addext "basicConstraints=critical,CA:TRUE" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1
python3 "$TOOLS_DIR/fake-kube-apiserver.py" "$API" "$WORK/cert.pem" "$WORK/key.pem" "$WORK/api.log" >"$WORK/api.out" 2>&1 &
PIDS+=($!)
for p in "$BLOB" "$QUEUE" "$TABLE" "$API"; do
  for _ in $(seq 1 100); do port_in_use "$p" && break; sleep 0.2; done
  port_in_use "$p" || fail "nothing listens on 127.0.0.1:$p (see $WORK/azurite.log, $WORK/api.out)"
done

ACCOUNT_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="  # Azurite's well-known key
CONNECTION="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$ACCOUNT_KEY;BlobEndpoint=http://127.0.0.1:$BLOB/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$QUEUE/devstoreaccount1;TableEndpoint=http://127.0.0.1:$TABLE/devstoreaccount1;"
SERVICE_ID="OrleansOrders-smoke"
CLUSTER_ID="smoke-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
API_KEY="smoke-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
declare -A HTTP
# The environment the Deployment gives each pod (deploy/kubernetes/deployment.yaml), per pod.
run_pod() { # name pod-ip seed
  local name=$1 ip=$2 seed=$3
  local silo gateway http
  silo=$(free_port "$NEXT_SILO"); gateway=$(free_port "$NEXT_GATEWAY"); http=$(free_port "$NEXT_HTTP")
  NEXT_SILO=$((silo + 1)); NEXT_GATEWAY=$((gateway + 1)); NEXT_HTTP=$((http + 1))
  HTTP[$name]=$http
  env -u ASPNETCORE_ENVIRONMENT -u DOTNET_ENVIRONMENT \
    KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$API" \
    POD_NAME="$name" POD_NAMESPACE=orleans-orders POD_IP="$ip" \
    ORLEANS_SERVICE_ID="$SERVICE_ID" ORLEANS_CLUSTER_ID="$CLUSTER_ID" \
    GridHost__Kubernetes=true GridHost__Clustering=AzureStorage GridHost__Storage=AzureStorage \
    GridHost__AzureStorageConnectionString="$CONNECTION" \
    GridHost__ServiceId=not-this-service GridHost__ClusterId=not-this-cluster \
    GridHost__SiloPort="$silo" GridHost__GatewayPort="$gateway" Urls="http://127.0.0.1:$http" \
    Demo__Seed="$seed" Demo__SkuCount=20 \
    Auth__Keys__smoke__Key="$API_KEY" Auth__Keys__smoke__Role=storefront,operator \
    Logging__LogLevel__Orleans.Runtime.MembershipService=Information \
    Logging__LogLevel__Orleans.Hosting.Kubernetes=Information \
    unshare -m --propagation private bash -c '
      set -e
      mount -t tmpfs tmpfs /run
      sa=/run/secrets/kubernetes.io/serviceaccount
      mkdir -p "$sa"
      cp "$1/cert.pem" "$sa/ca.crt"; echo smoke-token >"$sa/token"; echo orleans-orders >"$sa/namespace"
      cd "$2"
      exec dotnet OrleansOrders.Silo.dll' smoke "$WORK" "$PUBLISH_DIR" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  echo "    pod $name: POD_IP $ip, silo port $silo, gateway $gateway, HTTP $http, pid $!"
  # Wait until it binds its ports, so the next pod's free_port does not pick the same ones.
  for _ in $(seq 1 $((START_TIMEOUT * 2))); do port_in_use "$silo" && break; sleep 0.5; done
}
NEXT_SILO=22491; NEXT_GATEWAY=40491; NEXT_HTTP=5491

echo "==> two pods, cluster $CLUSTER_ID of service $SERVICE_ID (GridHost ids set to decoys)"
run_pod silo-a 127.0.0.1 true
PID_A=${PIDS[-1]}
run_pod silo-b 127.0.0.2 false
PID_B=${PIDS[-1]}

deadline=$((SECONDS + START_TIMEOUT))
for name in silo-a silo-b; do
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:${HTTP[$name]}/health")" == 200 ]]; do
    ((SECONDS < deadline)) || { tail -n 40 "$WORK/$name.log" >&2; fail "$name did not answer /health within ${START_TIMEOUT}s"; }
    sleep 1
  done
done
echo "    both answer GET /health"

checks=0
expect() { # description command...
  local what=$1; shift
  if "$@"; then checks=$((checks + 1)); echo "    ok: $what"; else fail "$what"; fi
}
log_has() { grep -qF -- "$2" "$WORK/$1"; }
label_patch='{"metadata": {"labels": {"orleans/clusterId": "'"$CLUSTER_ID"'", "orleans/serviceId": "'"$SERVICE_ID"'"}}}'
selector="labelSelector=orleans%2FserviceId%3D$SERVICE_ID%2Corleans%2FclusterId%3D$CLUSTER_ID"
for name in silo-a silo-b; do
  expect "$name patched ORLEANS_SERVICE_ID / ORLEANS_CLUSTER_ID onto its pod's labels" \
    log_has api.log "PATCH /api/v1/namespaces/orleans-orders/pods/$name $label_patch"
done
expect "the silos list and watch pods by those labels" log_has api.log "$selector&watch=true"
expect "silo-a is named after its pod and advertises POD_IP 127.0.0.1" log_has silo-a.log "SiloAddress S127.0.0.1:"
expect "silo-b is named after its pod and advertises POD_IP 127.0.0.2" log_has silo-b.log "SiloAddress S127.0.0.2:"
for _ in $(seq 1 60); do grep -q "Will watch (actively ping) 1 silos: \[S127.0.0.2" "$WORK/silo-a.log" && break; sleep 1; done
expect "silo-a sees silo-b in the Azure Table membership (one cluster)" log_has silo-a.log "Will watch (actively ping) 1 silos: [S127.0.0.2"
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "X-Api-Key: $API_KEY" "http://127.0.0.1:${HTTP[silo-b]}/availability/SKU-0001")
expect "silo-b serves the network silo-a seeded (GET /availability/SKU-0001 -> $status)" test "$status" = 200

echo "==> deleting pod silo-b (its process killed, the pod removed from the API)"
kill -KILL "$PID_B" 2>/dev/null || true
wait "$PID_B" 2>/dev/null || true
curl -sk -o /dev/null -H "Authorization: Bearer smoke-token" -X DELETE "https://127.0.0.1:$API/api/v1/namespaces/orleans-orders/pods/silo-b"
for _ in $(seq 1 60); do log_has silo-a.log "since its corresponding pod, silo-b, has been deleted" && break; sleep 0.5; done
expect "silo-a declared silo-b dead because its pod was deleted" log_has silo-a.log "since its corresponding pod, silo-b, has been deleted"
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "X-Api-Key: $API_KEY" "http://127.0.0.1:${HTTP[silo-a]}/availability/SKU-0002")
expect "silo-a still serves (GET /availability/SKU-0002 -> $status)" test "$status" = 200
kill -0 "$PID_A" 2>/dev/null || fail "silo-a exited"

cleanup
trap - EXIT
rm -rf "$WORK"
echo "==> OK: $checks checks; GridHost:Kubernetes composes with Azure Storage clustering"
