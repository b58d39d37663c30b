// The web pages' only script (the Content-Security-Policy allows no other): live updates of the
// Status and Incidents pages, and Connect's checks shown one by one as the server streams them.
'use strict';

(function () {
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = csrf ? csrf.getAttribute('content') : '';

  // ── Live updates: re-fetch the page's fragment every 2 s ──────────────────
  var live = document.getElementById('live');
  if (live && live.getAttribute('data-live')) {
    var busy = false;
    var refresh = function () {
      if (busy) return;
      // Never replace a form someone is typing in.
      var active = document.activeElement;
      if (active && live.contains(active) && (active.tagName === 'INPUT' || active.tagName === 'SELECT' || active.tagName === 'TEXTAREA')) return;
      var typed = Array.prototype.some.call(live.querySelectorAll('input[type="text"]'), function (i) { return i.value !== ''; });
      if (typed) return;
      busy = true;
      fetch(live.getAttribute('data-live'), { credentials: 'same-origin', headers: { accept: 'text/html' } })
        .then(function (r) {
          if (r.status === 401) { window.location.reload(); return null; }
          return r.ok ? r.text() : null;
        })
        .then(function (text) {
          if (text === null || text === live.getAttribute('data-last')) return;
          var open = Array.prototype.map.call(live.querySelectorAll('details[open]'), function (d) {
            var card = d.closest('[data-incident]');
            return card ? card.getAttribute('data-incident') : '';
          });
          live.innerHTML = text;
          live.setAttribute('data-last', text);
          open.forEach(function (ref) {
            var d = live.querySelector('[data-incident="' + ref + '"] details');
            if (d) d.open = true;
          });
          live.setAttribute('data-updated', String(Date.now()));
        })
        .catch(function () { /* the next tick tries again */ })
        .then(function () { busy = false; });
    };
    setInterval(refresh, 2000);
  }

  // ── Connect: stream the checks ────────────────────────────────────────────
  var form = document.getElementById('connect-form');
  if (!form || !window.fetch || !window.TextDecoder) return;
  var checks = document.getElementById('checks');
  var outcome = document.getElementById('connect-outcome');
  var button = document.getElementById('connect-button');

  function setError(field, message) {
    var p = form.querySelector('[data-error-for="' + field + '"]');
    var input = form.querySelector('[name="' + field + '"]');
    if (p) p.textContent = message || '';
    if (input) {
      if (message) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
      input.closest('.field').classList.toggle('has-error', !!message);
    }
  }

  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll('[data-error-for]'), function (p) { setError(p.getAttribute('data-error-for'), ''); });
  }

  function item(cls, mark, label, text, id) {
    var li = document.createElement('li');
    li.className = 'check ' + cls;
    if (id) li.setAttribute('data-check', id);
    var m = document.createElement('span');
    m.className = 'mark';
    m.setAttribute('aria-hidden', 'true');
    m.textContent = mark;
    var sr = document.createElement('span');
    sr.className = 'sr';
    sr.textContent = label;
    li.appendChild(m);
    li.appendChild(document.createTextNode(' '));
    li.appendChild(sr);
    li.appendChild(document.createTextNode(' ' + text));
    checks.appendChild(li);
  }

  function focusFirstError() {
    var first = form.querySelector('[aria-invalid="true"]');
    if (first) first.focus();
  }

  function handle(event, data) {
    if (event === 'start') {
      outcome.textContent = 'Checking ' + data.instance + ' for connection "' + data.name + '"…';
    } else if (event === 'check') {
      item(data.ok ? 'ok' : 'fail', data.ok ? '✔' : '✘', data.ok ? 'Passed:' : 'Failed:', data.message, data.id);
      if (data.field) setError(data.field, data.message);
    } else if (event === 'skipped') {
      item('skipped', '–', 'Not run:', data.title + ': ' + data.reason, data.id);
    } else if (event === 'invalid') {
      Object.keys(data.errors).forEach(function (f) { setError(f, data.errors[f]); });
      outcome.textContent = 'Some fields need attention (marked below each field).';
      outcome.className = 'outcome fail';
      focusFirstError();
    } else if (event === 'done') {
      Object.keys(data.errors || {}).forEach(function (f) { setError(f, data.errors[f]); });
      outcome.textContent = data.message;
      outcome.className = 'outcome ' + (data.ok ? 'ok' : 'fail');
      if (!data.ok) focusFirstError();
    }
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    clearErrors();
    checks.innerHTML = '';
    outcome.textContent = 'Connecting…';
    outcome.className = 'outcome';
    button.disabled = true;
    var body = new URLSearchParams(new FormData(form));
    fetch(form.getAttribute('action'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'text/event-stream', 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': csrfToken },
      body: body.toString(),
    })
      .then(function (response) {
        if (!response.ok || !response.body) {
          return response.text().then(function (t) { throw new Error(t || 'HTTP ' + response.status); });
        }
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = '';
        var pump = function () {
          return reader.read().then(function (chunk) {
            if (chunk.done) return;
            buffer += decoder.decode(chunk.value, { stream: true });
            var parts = buffer.split('\n\n');
            buffer = parts.pop();
            parts.forEach(function (block) {
              var event = 'message';
              var data = '';
              block.split('\n').forEach(function (line) {
                if (line.indexOf('event: ') === 0) event = line.slice(7);
                else if (line.indexOf('data: ') === 0) data += line.slice(6);
              });
              if (data) handle(event, JSON.parse(data));
            });
            return pump();
          });
        };
        return pump();
      })
      .catch(function (err) {
        outcome.textContent = 'Connect could not run: ' + err.message;
        outcome.className = 'outcome fail';
      })
      .then(function () { button.disabled = false; });
  });
})();
