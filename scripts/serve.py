"""Serves www/ on http://127.0.0.1:8080 (or --port) as a careful static host would:
`application/wasm` for .wasm, `Access-Control-Allow-Origin: *` (an embed in a sandboxed
iframe has an opaque origin, so every fetch is cross-origin) and an answer to CORS
preflights, the gzip files `scripts/build-web.sh` makes beside each asset (sent with
`Content-Encoding: gzip` to clients that accept it), no directory listings, no
tracebacks for malformed paths, and idle connections closed after a timeout."""

import argparse
import email.utils
import functools
import http.server
import os
import pathlib
import threading

ROOT = pathlib.Path(__file__).resolve().parent.parent / "www"
# Connections served at once; more wait in the listen queue instead of each holding a thread.
MAX_CONNECTIONS = 64


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".safetensors": "application/octet-stream",
    }
    # Seconds a connection may sit idle (socket timeout of StreamRequestHandler).
    timeout = 10

    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        # Development server: always serve what was just built.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def do_OPTIONS(self):
        """CORS preflight: a host page may fetch the assets with any headers."""
        self.send_response(204)
        self.send_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "*")
        self.send_header("Access-Control-Max-Age", "86400")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def list_directory(self, path):
        # A static host lists nothing: /models/, /pkg/ and /i18n/ are not pages.
        self.send_error(404, "Not found")
        return None

    def send_head(self):
        if "\x00" in self.path or "%00" in self.path:
            self.send_error(400, "Bad path")
            return None
        path = self.translate_path(self.path)
        compressed = path + ".gz"
        if (
            not os.path.isdir(path)
            and os.path.isfile(path)
            and os.path.isfile(compressed)
            and "gzip" in self.headers.get("Accept-Encoding", "")
            and os.path.getmtime(compressed) >= os.path.getmtime(path)
        ):
            return self.send_compressed(path, compressed)
        return super().send_head()

    def send_compressed(self, path, compressed):
        """The gzip file made at build time, under the original's type."""
        handle = open(compressed, "rb")
        stat = os.fstat(handle.fileno())
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(stat.st_size))
        self.send_header("Last-Modified", email.utils.formatdate(os.path.getmtime(path), usegmt=True))
        self.end_headers()
        return handle

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # Connections waiting for a slot queue in the kernel; with socketserver's default of 5,
    # a burst of idle ones made later clients' connects back off for seconds.
    request_queue_size = 256

    def __init__(self, *args, verbose=True, **kwargs):
        self.verbose = verbose
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        self.slots.acquire()
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request, client_address):
        # A client that hangs up or times out is routine; say so only when verbose.
        if self.verbose:
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--root", type=pathlib.Path, default=ROOT, help="folder to serve (default: www/)")
    parser.add_argument("--idle-timeout", type=float, default=Handler.timeout, help="seconds (default: 10)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    Handler.timeout = args.idle_timeout
    handler = functools.partial(Handler, directory=str(args.root))
    server = Server((args.host, args.port), handler, verbose=not args.quiet)
    print(f"MoE Clinic: serving {args.root} on http://{args.host}:{server.server_port}/ (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
