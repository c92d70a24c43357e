"""The build's tests (buildspec.yaml runs them): the application answers its health check."""

import threading
import unittest
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

import server


class HealthCheckTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), server.Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def tearDown(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def test_health_check_answers_200(self) -> None:
        with urllib.request.urlopen(self.base_url + server.HEALTH_PATH, timeout=5) as response:
            self.assertEqual(response.status, 200)

    def test_unknown_path_answers_404(self) -> None:
        with self.assertRaises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(self.base_url + "/no-such-page", timeout=5)
        caught.exception.close()
        self.assertEqual(caught.exception.code, 404)


if __name__ == "__main__":
    unittest.main()
