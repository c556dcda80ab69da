/* Dynamic Registration is done: the spec's close message (its subject is on the script
   tag) to the LMS. It carries no data, so any origin may read it. */
(window.opener || window.parent).postMessage({ subject: document.currentScript.dataset.subject }, "*");
