"""A minimal web application, standard library only: replace it with yours.

It listens on PORT, the port of the environment's target group, and answers the load
balancer's health check at HEALTH_PATH with 200.
"""

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("PORT", "{{PORT}}"))
HEALTH_PATH = os.environ.get("HEALTH_PATH", "{{HEALTH_PATH}}")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == HEALTH_PATH:
            self.reply(200, "ok\n")
        elif path == "/":
            self.reply(200, "Hello from the sample application\n")
        else:
            self.reply(404, "not found\n")

    def reply(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main() -> None:
    with ThreadingHTTPServer(("", PORT), Handler) as server:
        print(f"listening on port {PORT}, health check {HEALTH_PATH}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
