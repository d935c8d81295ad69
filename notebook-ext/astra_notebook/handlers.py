"""Routes under /astra: Jupyter-authenticated, forwarded to Astra's API with a key kept server-side."""

import json
import os
import re
from pathlib import Path

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

# Only Astra's API is reachable through the proxy (never its login links or the editor shell).
API_PATH = re.compile(r"^[A-Za-z0-9._~\-/%]*$")
FORWARDED_REQUEST_HEADERS = ("content-type", "accept")
FORWARDED_RESPONSE_HEADERS = ("content-type", "cache-control")


class AstraConnection:
    """Where Astra is and the key to use: ASTRA_URL and ASTRA_TOKEN, else $ASTRA_DATA_DIR/credentials."""

    def __init__(self, env=os.environ):
        self.url = env.get("ASTRA_URL", "http://127.0.0.1:3210").rstrip("/")
        self._token = env.get("ASTRA_TOKEN") or None
        self._credentials = Path(env.get("ASTRA_DATA_DIR", ".astra")) / "credentials"

    def token(self):
        if self._token:
            return self._token
        try:
            data = json.loads(self._credentials.read_text())
        except (OSError, ValueError):
            return None
        token = data.get("token") if isinstance(data, dict) else None
        return token if isinstance(token, str) and token else None


class StatusHandler(APIHandler):
    """Whether the server extension has a key and which Astra it talks to (the key itself never leaves)."""

    def initialize(self, connection):
        self.connection = connection

    @tornado.web.authenticated
    def get(self):
        self.finish(json.dumps({"astraUrl": self.connection.url, "hasKey": self.connection.token() is not None}))


class ProxyHandler(APIHandler):
    """/astra/api/<path> → <ASTRA_URL>/api/<path>, with Astra's key added here; event streams are passed on as they arrive."""

    def initialize(self, connection):
        self.connection = connection

    async def _forward(self, path):
        if not API_PATH.match(path) or ".." in path.split("/"):
            raise tornado.web.HTTPError(400, "bad Astra API path")
        token = self.connection.token()
        if token is None:
            self.set_status(503)
            self.finish(json.dumps({"error": "the Astra server extension has no key: set ASTRA_TOKEN or ASTRA_DATA_DIR (its credentials file)"}))
            return
        query = self.request.query
        url = f"{self.connection.url}/api/{path}" + (f"?{query}" if query else "")
        headers = {name: self.request.headers[name] for name in FORWARDED_REQUEST_HEADERS if name in self.request.headers}
        headers["authorization"] = f"Bearer {token}"
        body = self.request.body if self.request.method in ("POST", "PUT", "PATCH") else None
        streamed = {"started": False}

        def on_header(line):
            text = line.strip()
            if text.startswith("HTTP/"):
                parts = text.split(" ", 2)
                if len(parts) > 1 and parts[1].isdigit():
                    self.set_status(int(parts[1]))
            elif ":" in text:
                name, value = text.split(":", 1)
                if name.strip().lower() in FORWARDED_RESPONSE_HEADERS:
                    self.set_header(name.strip(), value.strip())

        def on_chunk(chunk):
            streamed["started"] = True
            self.write(chunk)
            self.flush()

        request = HTTPRequest(
            url,
            method=self.request.method,
            headers=headers,
            body=body,
            allow_nonstandard_methods=True,
            header_callback=on_header,
            streaming_callback=on_chunk,
            follow_redirects=False,
            request_timeout=3600,
            connect_timeout=10,
        )
        try:
            await AsyncHTTPClient().fetch(request, raise_error=False)
        except (HTTPClientError, OSError) as error:
            if not streamed["started"]:
                self.set_status(502)
                self.set_header("content-type", "application/json")
                self.finish(json.dumps({"error": f"Astra at {self.connection.url} cannot be reached: {error}"}))
                return
        self.finish()

    @tornado.web.authenticated
    async def get(self, path):
        await self._forward(path)

    @tornado.web.authenticated
    async def post(self, path):
        await self._forward(path)

    @tornado.web.authenticated
    async def put(self, path):
        await self._forward(path)

    @tornado.web.authenticated
    async def delete(self, path):
        await self._forward(path)


def setup_handlers(web_app, log=None):
    connection = AstraConnection()
    base = web_app.settings["base_url"]
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "astra", "status"), StatusHandler, {"connection": connection}),
            (url_path_join(base, "astra", "api", "(.*)"), ProxyHandler, {"connection": connection}),
        ],
    )
