/* LTI client-side storage (postMessage) for launches without third-party cookies.
 *
 * Reads its data from the JSON script #lti-storage-data (built by lti/client_storage.py),
 * asks the platform frame lti.capabilities, then sends the one request of this page
 * (lti.put_data at login, lti.get_data at launch). Every message goes to the platform's
 * origin, never "*"; an answer counts only from that origin, from the window asked, with
 * the message_id sent and the expected ".response" subject. Anything else (no answer in
 * time, an error, storage not offered) shows the page's fallback.
 */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("lti-storage-data").textContent);
  var RESEND_MS = 250;

  function hostWindow() {
    return window.parent !== window ? window.parent : window.opener;
  }

  function frameNamed(name) {
    var host = hostWindow();
    if (!host || !name || name === "_parent") return host;
    try {
      var frame = host.frames[name];
      return frame && typeof frame.postMessage === "function" ? frame : host;
    } catch (e) {
      return host;
    }
  }

  function messageId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  // Send one message to target and resolve with its answer (re-sent until answered, in
  // case the platform frame is still loading; one message_id throughout).
  function ask(target, message) {
    return new Promise(function (resolve, reject) {
      if (!target) return reject(new Error("no platform window"));
      var outgoing = Object.assign({}, message, { message_id: messageId() });
      var expected = message.subject + ".response";
      var resend = window.setInterval(post, RESEND_MS);
      var timeout = window.setTimeout(function () { finish(new Error("no answer from the platform")); },
                                      config.timeout_ms);
      function post() { target.postMessage(outgoing, config.platform_origin); }
      function finish(error, data) {
        window.clearInterval(resend);
        window.clearTimeout(timeout);
        window.removeEventListener("message", listen);
        if (error) reject(error); else resolve(data);
      }
      function listen(event) {
        if (event.origin !== config.platform_origin || event.source !== target) return;
        var data = event.data;
        if (!data || typeof data !== "object" || data.message_id !== outgoing.message_id ||
            data.subject !== expected) return;
        if (data.error) finish(new Error(String(data.error.code || "error")));
        else finish(null, data);
      }
      window.addEventListener("message", listen);
      post();
    });
  }

  function supportedFrame(capabilities, subject) {
    var messages = capabilities && capabilities.supported_messages;
    if (!Array.isArray(messages)) return null;
    for (var i = 0; i < messages.length; i++) {
      if (messages[i] && messages[i].subject === subject) return { frame: messages[i].frame };
    }
    return null;
  }

  function showFallback() {
    document.getElementById("storage-status").textContent = "";
    document.getElementById("storage-fallback").hidden = false;
  }

  var first = frameNamed(config.target);
  ask(first, config.capabilities).then(function (capabilities) {
    var supported = supportedFrame(capabilities, config.request.subject);
    if (!supported) throw new Error("the platform does not offer " + config.request.subject);
    return ask(supported.frame ? frameNamed(supported.frame) : first, config.request);
  }).then(function (answer) {
    if (answer.key !== config.request.key) throw new Error("answer for another key");
    if (config.next) {
      window.location.replace(config.next);
      return;
    }
    if (typeof answer.value !== "string" || !answer.value) throw new Error("no value stored");
    var form = document.getElementById("storage-launch");
    form.elements[config.field].value = answer.value;
    form.submit();
  }).catch(showFallback);
})();
