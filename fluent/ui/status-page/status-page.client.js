/* The Status page's client script: reads the admin API with the session token and renders it as text (never as HTML). */
(function () {
  var API = '/api/x_incident_io/v1/admin/';

  function byId(id) {
    return document.getElementById(id);
  }

  function call(method, path) {
    return fetch(API + path, { method: method, credentials: 'same-origin', headers: { Accept: 'application/json', 'X-UserToken': window.g_ck } }).then(function (res) {
      return res.json().then(function (body) {
        if (!res.ok) throw new Error((body.error && (body.error.detail || body.error.message)) || 'HTTP ' + res.status);
        return body.result;
      });
    });
  }

  function list(id, rows) {
    var dl = byId(id);
    dl.textContent = '';
    rows.forEach(function (row) {
      var dt = document.createElement('dt');
      dt.textContent = row[0];
      var dd = document.createElement('dd');
      dd.textContent = row[1];
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
  }

  function render(s) {
    var clone = byId('x_incident_io_clone');
    clone.hidden = !s.clone_detected;
    clone.textContent = s.clone_detected
      ? 'Clone detected: configured on ' + s.clone_detected.recorded.name + ' (' + s.clone_detected.recorded.url + '), running on ' +
        s.clone_detected.current.name + ' (' + s.clone_detected.current.url + '). Nothing is queued or sent until incident-sn connect is run against this instance.'
      : '';
    list('x_incident_io_config', [
      ['Webhook URL', s.config.webhook_url || '(not set)'],
      ['Signing secret', s.config.signing_secret_set ? 'set' : 'not set'],
      ['Integration user', s.config.integration_user || '(not set)'],
      ['Enabled', s.config.enabled ? 'yes' : 'no'],
      ['App version', s.app.version],
    ]);
    var last = s.last_delivery;
    list('x_incident_io_delivery', [
      ['Delivering', s.config.delivering ? 'yes' : 'no'],
      ['Oldest undelivered event', s.oldest_pending_age_seconds === null ? 'none' : s.oldest_pending_age_seconds + ' s old'],
      ['Last delivery', last ? last.at + ': ' + last.state + (last.http_status ? ' (HTTP ' + last.http_status + ')' : '') + (last.error ? ': ' + last.error : '') : 'none yet'],
    ]);
    var body = byId('x_incident_io_outbox').tBodies[0];
    body.textContent = '';
    Object.keys(s.outbox).forEach(function (state) {
      var tr = body.insertRow();
      tr.insertCell().textContent = state;
      tr.insertCell().textContent = String(s.outbox[state]);
    });
    var t = s.last_test_event;
    list('x_incident_io_test_event', t ? [
      ['Last test event', t.event_id + ', queued ' + t.queued_at],
      ['Outcome', t.state + (t.http_status ? ' (HTTP ' + t.http_status + ')' : '') + (t.error ? ': ' + t.error : '')],
    ] : [['Last test event', 'none sent yet']]);
  }

  function refresh() {
    return call('GET', 'status').then(render, function (err) {
      var el = byId('x_incident_io_error');
      el.hidden = false;
      el.textContent = 'The status could not be read: ' + err.message;
    });
  }

  byId('x_incident_io_send_test').addEventListener('click', function () {
    call('POST', 'test_event').then(
      function (r) {
        byId('x_incident_io_message').textContent = r.message;
        setTimeout(refresh, 3000);
      },
      function (err) {
        byId('x_incident_io_message').textContent = err.message;
      },
    );
  });
  refresh();
})();
