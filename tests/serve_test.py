"""scripts/serve.py as a hostile or careless client meets it: no listings, no tracebacks,
CORS preflights answered, precompressed files with the right encoding, idle connections
closed. Runs against a scratch folder, so it needs no build. `python3 tests/serve_test.py`."""

import gzip
import http.client
import pathlib
import socket
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SERVE = ROOT / "scripts" / "serve.py"


def start(root):
    """Starts serve.py on a free port; returns the process and the port."""
    server = subprocess.Popen(
        [sys.executable, str(SERVE), "--port", "0", "--quiet", "--root", str(root), "--idle-timeout", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = server.stdout.readline()
    return server, int(line.rsplit(":", 1)[1].split("/")[0])


class ServeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        www = pathlib.Path(cls.dir.name)
        (www / "index.html").write_text("<!doctype html><title>home</title>")
        (www / "models").mkdir()
        cls.wasm = bytes(range(256)) * 40
        (www / "models" / "m.wasm").write_bytes(cls.wasm)
        (www / "models" / "m.wasm.gz").write_bytes(gzip.compress(cls.wasm, mtime=0))
        (www / "plain.json").write_text('{"a": 1}')
        cls.server, cls.port = start(www)

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=5)
        cls.server.stdout.close()
        cls.server.stderr.close()
        cls.dir.cleanup()

    def request(self, method, path, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response, body

    def test_serves_the_page_with_cors(self):
        response, body = self.request("GET", "/")
        self.assertEqual(response.status, 200)
        self.assertIn(b"home", body)
        self.assertEqual(response.getheader("Access-Control-Allow-Origin"), "*")

    def test_no_directory_listings(self):
        for path in ["/models/", "/models"]:
            response, body = self.request("GET", path)
            self.assertIn(response.status, (301, 404), path)
            self.assertNotIn(b"m.wasm", body, path)

    def test_malformed_and_traversing_paths_are_refused_quietly(self):
        # Its own server, so that its stderr holds only what these requests caused.
        server, port = start(self.dir.name)
        try:
            conn = lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            for path, status in [("/%00", 400), ("/models/%00.wasm", 400), ("/../../etc/passwd", 404)]:
                c = conn()
                c.request("GET", path)
                response = c.getresponse()
                body = response.read()
                c.close()
                self.assertEqual(response.status, status, path)
                self.assertNotIn(b"root:", body)
        finally:
            server.terminate()
            _, stderr = server.communicate(timeout=5)
            server.stdout.close()
            server.stderr.close()
        self.assertNotIn("Traceback", stderr)

    def test_cors_preflight(self):
        response, _ = self.request(
            "OPTIONS", "/models/m.wasm", {"Origin": "null", "Access-Control-Request-Method": "GET"}
        )
        self.assertEqual(response.status, 204)
        self.assertEqual(response.getheader("Access-Control-Allow-Origin"), "*")
        self.assertIn("GET", response.getheader("Access-Control-Allow-Methods"))

    def test_precompressed_files_with_their_encoding(self):
        response, body = self.request("GET", "/models/m.wasm", {"Accept-Encoding": "gzip, br"})
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Content-Encoding"), "gzip")
        self.assertEqual(response.getheader("Content-Type"), "application/wasm")
        self.assertEqual(int(response.getheader("Content-Length")), len(body))
        self.assertLess(len(body), len(self.wasm))
        self.assertEqual(gzip.decompress(body), self.wasm)
        # A client that does not accept gzip gets the file itself.
        response, body = self.request("GET", "/models/m.wasm")
        self.assertIsNone(response.getheader("Content-Encoding"))
        self.assertEqual(body, self.wasm)
        # No .gz beside it: served as is, whatever the client accepts.
        response, body = self.request("GET", "/plain.json", {"Accept-Encoding": "gzip"})
        self.assertIsNone(response.getheader("Content-Encoding"))
        self.assertEqual(body, b'{"a": 1}')

    def test_idle_connections_are_closed(self):
        idle = socket.create_connection(("127.0.0.1", self.port))
        idle.settimeout(5)
        started = time.monotonic()
        self.assertEqual(idle.recv(1), b"", "the server should hang up on a silent client")
        self.assertLess(time.monotonic() - started, 4)
        idle.close()
        # Many idle connections do not stop the server from answering.
        crowd = [socket.create_connection(("127.0.0.1", self.port)) for _ in range(100)]
        time.sleep(2.5)
        self.assertEqual(self.request("GET", "/")[0].status, 200)
        for s in crowd:
            s.close()


if __name__ == "__main__":
    unittest.main()
