"""A static HTTP server on 127.0.0.1, for testing downloads without the network."""

import http.server
import threading


class Server:
    """A static HTTP server on 127.0.0.1 for one folder; counts requests; a path starting
    with /stall/ sends half of the file, then holds the connection open until the server
    closes, however long that takes."""

    def __init__(self, root):
        self.root, self.requests, self.release = root, [], threading.Event()
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(root), **kwargs)

            def do_GET(self):
                server.requests.append(self.path)
                if not self.path.startswith("/stall/"):
                    return super().do_GET()
                blob = (root / self.path.removeprefix("/stall/")).read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(blob)))
                self.end_headers()
                self.wfile.write(blob[:len(blob) // 2])
                self.wfile.flush()
                server.release.wait()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, name):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
