"""The demo LMS's side of LTI client-side storage (Client Side postMessages and Platform
Storage): a hidden frame in the course page that a tool in the page's iframe talks to
with ``lti.capabilities``, ``lti.put_data`` and ``lti.get_data``.

Values are kept per sending origin (a tool reads only what it stored), in the frame's
memory for as long as the course page is open. Only the origins of tools this LMS has
registered are served; any other origin gets a ``wrong_origin`` error and nothing else.
Answers go to the asking window only, addressed to its origin.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, render_template_string, request

STORAGE_FRAME = "lti_storage_frame"
MAX_DELAY_MS = 5000

FRAME_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>LTI storage</title></head>
<body><script type="application/json" id="storage-config">{{ config|tojson }}</script>
<script>
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("storage-config").textContent);
  var MAX_KEYS = 100, MAX_LENGTH = 4096;
  var stores = new Map();  // origin -> Map(key -> value)

  function store(origin) {
    if (!stores.has(origin)) stores.set(origin, new Map());
    return stores.get(origin);
  }
  function validKey(key) { return typeof key === "string" && key.length > 0 && key.length <= MAX_LENGTH; }

  function answer(data, origin, reply) {
    if (config.tool_origins.indexOf(origin) < 0) {
      reply.error = { code: "wrong_origin", message: "This LMS serves no tool at " + origin };
    } else if (data.subject === "lti.capabilities") {
      reply.supported_messages = [{ subject: "lti.capabilities" },
        { subject: "lti.put_data", frame: config.frame }, { subject: "lti.get_data", frame: config.frame }];
    } else if (data.subject === "lti.put_data") {
      if (!validKey(data.key) || typeof data.value !== "string" || data.value.length > MAX_LENGTH) {
        reply.error = { code: "bad_request", message: "key and value must be strings of at most 4096 characters" };
      } else {
        var values = store(origin);
        values.delete(data.key);
        if (values.size >= MAX_KEYS) values.delete(values.keys().next().value);  // drop the oldest
        values.set(data.key, data.value);
        reply.key = data.key;
        reply.value = data.value;
      }
    } else if (data.subject === "lti.get_data") {
      if (!validKey(data.key)) {
        reply.error = { code: "bad_request", message: "key must be a string of at most 4096 characters" };
      } else if (!store(origin).has(data.key)) {
        reply.error = { code: "bad_request", message: "There is no value stored for this key" };
      } else {
        reply.key = data.key;
        reply.value = store(origin).get(data.key);
      }
    } else {
      reply.error = { code: "unsupported_subject", message: "Unsupported subject: " + data.subject };
    }
    return reply;
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || typeof data.subject !== "string" || !data.message_id ||
        /\\.response$/.test(data.subject) || !event.source) return;
    var reply = answer(data, event.origin, { subject: data.subject + ".response", message_id: data.message_id });
    var source = event.source, origin = event.origin;
    window.setTimeout(function () { source.postMessage(reply, origin); }, config.delay_ms);
  });
})();
</script></body></html>"""


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def storage_frame_tag(delay_ms: int = 0) -> dict[str, str]:
    """Where the course page's hidden storage frame points, and its name."""
    query = f"?delay_ms={delay_ms}" if delay_ms else ""
    return {"name": STORAGE_FRAME, "src": f"/lti/storage-frame{query}"}


def add_platform_storage(app: Flask, lms) -> None:
    @app.route("/lti/storage-frame")
    def storage_frame():
        # delay_ms holds each answer back, so a test can act while a tool waits for one.
        delay = min(max(request.args.get("delay_ms", 0, type=int), 0), MAX_DELAY_MS)
        config = {"frame": STORAGE_FRAME, "tool_origins": [origin_of(lms.tool_url)], "delay_ms": delay}
        return render_template_string(FRAME_PAGE, config=config)
