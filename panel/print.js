// Prints one meter's certificate (print.html?serial=S&run=R): loads it in a
// frame and opens the print dialog, which a kiosk started with
// --kiosk-printing sends straight to the default printer.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const q = new URLSearchParams(location.search);
  const frame = document.getElementById('doc');
  frame.addEventListener('load', () => {
    const doc = frame.contentDocument;
    const ok = doc && doc.body && !/"ok":false/.test(doc.body.textContent.slice(0, 200));
    document.getElementById('status').textContent = ok ? 'Certificate ' + q.get('serial') : 'No certificate: ' + (doc ? doc.body.textContent : '');
    document.body.dataset.loaded = ok ? 'yes' : 'no';
    if (ok && q.get('auto') !== '0') frame.contentWindow.print();
  });
  frame.src = '/api/certificate?serial=' + encodeURIComponent(q.get('serial') || '') +
    '&run=' + encodeURIComponent(q.get('run') || '');
});
