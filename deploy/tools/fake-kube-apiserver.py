"""A stand-in for the few Kubernetes API calls Orleans' Kubernetes hosting makes, for
deploy/tools/kubernetes-mode-smoke.sh. Not a Kubernetes: one namespace's pods in memory.

  GET    /api/v1/namespaces/NS/pods/NAME               read a pod (created on first sight, like a scheduled pod)
  PATCH  /api/v1/namespaces/NS/pods/NAME               merge its labels (what the silo does with orleans/* labels)
  GET    /api/v1/namespaces/NS/pods?labelSelector=...  list, or with watch=true stream DELETED events
  DELETE /api/v1/namespaces/NS/pods/NAME               what `kubectl delete pod` does: watchers get DELETED

Every request is appended to the log file, one line each, for the smoke test to assert on.
Usage: fake-kube-apiserver.py PORT CERT KEY LOG
"""
import json
import queue
import re
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PORT, CERT, KEY, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
POD = re.compile(r"/api/v1/namespaces/([^/]+)/pods/([^/]+)")
PODS = re.compile(r"/api/v1/namespaces/([^/]+)/pods")

pods = {}
watchers = []
lock = threading.Lock()
log = open(LOG, "a", buffering=1)


def new_pod(namespace, name):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {}, "resourceVersion": "1"},
        "status": {"phase": "Running"},
    }


def selector(query):
    pairs = parse_qs(query).get("labelSelector", [""])[0].split(",")
    wanted = dict(p.split("=", 1) for p in pairs if "=" in p)
    return lambda pod: all(pod["metadata"]["labels"].get(k) == v for k, v in wanted.items())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorized(self):
        if self.headers.get("Authorization", "").startswith("Bearer "):
            return True
        self.reply(401, {"kind": "Status", "code": 401})
        return False

    def do_GET(self):
        url = urlparse(self.path)
        log.write(f"GET {url.path}?{url.query}\n")
        if not self.authorized():
            return
        if m := POD.fullmatch(url.path):
            with lock:
                pod = pods.setdefault(m[2], new_pod(m[1], m[2]))
            return self.reply(200, pod)
        if PODS.fullmatch(url.path):
            matches = selector(url.query)
            if parse_qs(url.query).get("watch", ["false"])[0] == "true":
                return self.watch(matches)
            with lock:
                items = [p for p in pods.values() if matches(p)]
            return self.reply(200, {"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "1"}, "items": items})
        self.reply(404, {"kind": "Status", "code": 404})

    def watch(self, matches):
        events = queue.Queue()
        with lock:
            watchers.append((events, matches))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            while True:
                try:
                    event = events.get(timeout=1)
                except queue.Empty:
                    continue
                data = (json.dumps(event) + "\n").encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
                log.write(f"WATCH-EVENT {event['type']} {event['object']['metadata']['name']}\n")
        except OSError:
            pass
        finally:
            with lock:
                watchers[:] = [w for w in watchers if w[0] is not events]

    def do_PATCH(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        log.write(f"PATCH {self.path} {json.dumps(body, sort_keys=True)}\n")
        if not self.authorized():
            return
        m = POD.fullmatch(urlparse(self.path).path)
        if not m:
            return self.reply(404, {"kind": "Status", "code": 404})
        with lock:
            pod = pods.setdefault(m[2], new_pod(m[1], m[2]))
            pod["metadata"]["labels"].update(body.get("metadata", {}).get("labels", {}))
        self.reply(200, pod)

    def do_DELETE(self):
        log.write(f"DELETE {self.path}\n")
        m = POD.fullmatch(urlparse(self.path).path)
        with lock:
            pod = pods.pop(m[2], None) if m else None
            targets = [events for events, matches in watchers if pod and matches(pod)]
        for events in targets:
            events.put({"type": "DELETED", "object": pod})
        self.reply(200 if pod else 404, pod or {"kind": "Status", "code": 404})


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(CERT, KEY)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
