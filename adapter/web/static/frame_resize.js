/* Inside an LMS frame, ask the LMS to size the frame to the page (the `lti.frameResize`
   message Canvas, Brightspace and others understand), so people never scroll inside a
   scrolling page. Only a height is sent: nothing private, so any parent may read it. */
(function () {
  if (window.parent === window) return;
  var last = 0;
  function tell() {
    // The page's own height, not scrollHeight (never less than the frame: a frame sized for a
    // long page would then never shrink for a short one).
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ subject: "lti.frameResize", height: height }, "*");
  }
  if (window.ResizeObserver) new ResizeObserver(tell).observe(document.documentElement);
  window.addEventListener("load", tell);
  tell();
})();
