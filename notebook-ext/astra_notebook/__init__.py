"""Astra in JupyterLab: the prebuilt labextension and a server extension that talks to Astra for it.

The browser never holds the Astra key: it calls this server extension (behind Jupyter's own auth),
which forwards to Astra's API with the key it read from the environment or Astra's credentials file.
"""

from .handlers import setup_handlers

__version__ = "0.1.0"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "@astra/notebook-ext"}]


def _jupyter_server_extension_points():
    return [{"module": "astra_notebook"}]


def _load_jupyter_server_extension(server_app):
    setup_handlers(server_app.web_app, server_app.log)
    server_app.log.info("astra_notebook: forwarding /astra/api to Astra")
