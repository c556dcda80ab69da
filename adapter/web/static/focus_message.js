/* After a form is saved or refused, the page's message gets the focus, so a keyboard or
   screen-reader user hears what happened instead of starting again at the top. */
(function () {
  var message = document.getElementById("page-message");
  if (message) message.focus();
})();
