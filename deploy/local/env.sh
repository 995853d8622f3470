# Shared settings of the local durable cluster (sourced by the scripts beside it).
LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$LOCAL_DIR/../.." && pwd)"
# Overridable, so a second cluster (deploy/local/chaos.sh) runs beside yours without sharing anything.
RUN_DIR="${RUN_DIR:-$LOCAL_DIR/.run}"
AZURITE_DATA="${AZURITE_DATA:-$LOCAL_DIR/.azurite}"
AZURITE_BLOB_PORT="${AZURITE_BLOB_PORT:-10000}"
AZURITE_QUEUE_PORT="${AZURITE_QUEUE_PORT:-10001}"
AZURITE_TABLE_PORT="${AZURITE_TABLE_PORT:-10002}"
# Azurite's well-known development account (public, like the emulator itself).
AZURITE_CONNECTION="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:${AZURITE_BLOB_PORT}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:${AZURITE_QUEUE_PORT}/devstoreaccount1;TableEndpoint=http://127.0.0.1:${AZURITE_TABLE_PORT}/devstoreaccount1;"
CLUSTER_ID="${CLUSTER_ID:-orleans-orders-local}"
# The local cluster runs in the Development environment, so the silos accept the well-known
# development keys (printed at start); set ASPNETCORE_ENVIRONMENT and Auth__Keys__... to use your own.
STOREFRONT_KEY="${STOREFRONT_KEY:-dev-storefront-key}"
SERVICE_ID="${SERVICE_ID:-OrleansOrders}"
SILO_COUNT="${SILO_COUNT:-3}"
# Silo i (1-based) listens on silo port 22210+i, gateway 40210+i, HTTP 5310+i (bases overridable).
SILO_PORT_BASE="${SILO_PORT_BASE:-22210}"
GATEWAY_PORT_BASE="${GATEWAY_PORT_BASE:-40210}"
HTTP_PORT_BASE="${HTTP_PORT_BASE:-5310}"
silo_port() { echo $((SILO_PORT_BASE + $1)); }
gateway_port() { echo $((GATEWAY_PORT_BASE + $1)); }
http_port() { echo $((HTTP_PORT_BASE + $1)); }

start_silo() { # i seed(true|false): starts silo i from the build in $RUN_DIR/silo, pid in $RUN_DIR/silo<i>.pid
  (
    cd "$RUN_DIR/silo"
    GridHost__Clustering=AzureStorage \
    GridHost__Storage=AzureStorage \
    GridHost__AzureStorageConnectionString="$AZURITE_CONNECTION" \
    GridHost__ClusterId="$CLUSTER_ID" \
    GridHost__ServiceId="$SERVICE_ID" \
    GridHost__SiloPort="$(silo_port "$1")" \
    GridHost__GatewayPort="$(gateway_port "$1")" \
    Demo__Seed="$2" \
    ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}" \
    Urls="http://localhost:$(http_port "$1")" \
    nohup dotnet OrleansOrders.Silo.dll >>"$RUN_DIR/silo$1.log" 2>&1 &
    echo $! >"$RUN_DIR/silo$1.pid"
  )
}

wait_for_port() { # host port seconds what
  local deadline=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    if ((SECONDS > deadline)); then
      echo "timed out waiting for $4 on $1:$2" >&2
      return 1
    fi
    sleep 0.2
  done
}
