"""A faulty HTTP proxy in front of a registry, for the pull failure tests.

FaultProxy(upstream_port) listens on 127.0.0.1:<free port> and forwards every request
to the registry unchanged (the Host header too, so upload Locations point back at the
proxy). Faults, set as attributes at any time:

  corrupt_digests: set of blob digests whose bytes are served altered (same length,
                   last byte flipped), i.e. content that does not match its digest.
  cut_after:       if not None, blob GET responses longer than this announce the full
                   Content-Length, send only this many body bytes and close the connection...
  cuts_left:       ...for this many responses (then the proxy serves normally).
  delay_per_chunk: seconds to sleep before each 64 KiB of a blob body (a slow link).
  abort:           while True, slow (delayed) blob bodies in flight are cut off and new
                   requests get 502, as if the registry had gone away.

`requests` records (method, path, Range header) for every request seen.
"""

import http.client
import http.server
import re
import threading
import time

import harness

_BLOB_RE = re.compile(r"^/v2/.+/blobs/(sha256:[0-9a-f]{64})$")
_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "trailers", "transfer-encoding", "upgrade"}


class FaultProxy:
    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.corrupt_digests = set()
        self.cut_after = None
        self.cuts_left = 0
        self.delay_per_chunk = 0
        self.abort = False
        self.requests = []
        self.served_corrupt = 0
        self.cuts_done = 0
        self._lock = threading.Lock()
        self.port = harness.free_port()
        self.host = "127.0.0.1:%d" % self.port
        self.url = "http://" + self.host
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def ref(self, repo, tag="latest"):
        return "%s/%s:%s" % (self.host, repo, tag)

    def blob_gets(self):
        return [r for r in self.requests if r[0] == "GET" and _BLOB_RE.match(r[1].split("?")[0])]

    def _take_cut(self):
        with self._lock:
            if self.cut_after is not None and self.cuts_left > 0:
                self.cuts_left -= 1
                self.cuts_done += 1
                return self.cut_after
            return None

    def _handler(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                if proxy.abort:
                    self.send_error(502)
                    self.close_connection = True
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with proxy._lock:
                    proxy.requests.append((self.command, self.path, self.headers.get("Range")))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=120)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                except OSError:
                    self.send_error(502)
                    return
                finally:
                    conn.close()
                m = _BLOB_RE.match(self.path.split("?")[0])
                cut = None
                if m and self.command == "GET" and resp.status in (200, 206):
                    if m.group(1) in proxy.corrupt_digests and data:
                        data = data[:-1] + bytes([data[-1] ^ 0xFF])
                        with proxy._lock:
                            proxy.served_corrupt += 1
                    if proxy.cut_after is not None and len(data) > proxy.cut_after:
                        cut = proxy._take_cut()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in _HOP and k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                if cut is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                if self.command == "HEAD":
                    return
                if cut is not None:
                    self.wfile.write(data[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if m and proxy.delay_per_chunk:
                    for i in range(0, len(data), 64 << 10):
                        time.sleep(proxy.delay_per_chunk)
                        if proxy.abort:
                            self.close_connection = True
                            return
                        self.wfile.write(data[i:i + (64 << 10)])
                    return
                self.wfile.write(data)

            def handle(self):
                try:
                    super().handle()
                except ConnectionError:
                    pass  # the client went away (killed daemon, cut stream): expected here

            do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _forward

        return Handler

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()
