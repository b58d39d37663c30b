import type { CheckResult } from '../commands/check-runner';
import type { ConnectionSummary } from '../store';
import type { IncidentView } from '../server/incident-view';
import { INCIDENT_SEVERITIES, INCIDENT_STATUSES } from '../store/sync-store';
import { CONNECT_FIELDS, fieldOfFailure, type ConnectField, type ConnectFormValues, type FieldErrors } from './connect-form';
import { ago, html, Html } from './html';
import { latencyChart } from './latency-chart';
import type { StatusData } from './status-data';

/** The pages' bodies (the layout is html.ts's). Every form carries the CSRF token. */

function csrfInput(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

/** A labelled input with its hint and error tied to it by aria-describedby. */
function field(options: { name: string; label: string; type?: string; value?: string; hint?: string; error?: string; autocomplete?: string; required?: boolean; placeholder?: string }): Html {
  const id = `f-${options.name}`;
  const described = [options.hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' ');
  return html`<div class="field${options.error ? ' has-error' : ''}">
  <label for="${id}">${options.label}</label>
  ${options.hint ? html`<p class="hint" id="${id}-hint">${options.hint}</p>` : ''}
  <input id="${id}" name="${options.name}" type="${options.type ?? 'text'}" value="${options.value ?? ''}"${options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ''}${options.required ? new Html(' required') : ''}${options.placeholder ? html` placeholder="${options.placeholder}"` : ''} aria-describedby="${described}"${options.error ? new Html(' aria-invalid="true"') : ''}>
  <p class="error" id="${id}-error" data-error-for="${options.name}">${options.error ?? ''}</p>
</div>`;
}

export function loginBody(options: { csrfToken: string; email?: string; error?: string; next?: string }): Html {
  return html`<form method="post" action="/login" class="card narrow" novalidate>
  ${csrfInput(options.csrfToken)}
  <input type="hidden" name="next" value="${options.next ?? ''}">
  ${options.error ? html`<p class="alert" role="alert" id="login-error">${options.error}</p>` : ''}
  ${field({ name: 'email', label: 'Email', type: 'email', value: options.email ?? '', autocomplete: 'username', required: true, ...(options.error ? { error: ' ' } : {}) })}
  ${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', required: true })}
  <button type="submit">Sign in</button>
</form>`;
}

const LABELS: Record<ConnectField, { label: string; hint: string; type?: string; autocomplete?: string }> = {
  instance: { label: 'ServiceNow instance', hint: 'Your subdomain (acme for acme.service-now.com) or the full URL.', autocomplete: 'url' },
  client_id: { label: 'OAuth client ID', hint: 'From System OAuth › Application Registry (setup guide step 2).', autocomplete: 'off' },
  client_secret: { label: 'OAuth client secret', hint: 'Setup guide step 2.', type: 'password', autocomplete: 'off' },
  username: { label: 'Username', hint: 'The integration service account (setup guide step 3).', autocomplete: 'off' },
  password: { label: 'Password', hint: "The service account's password.", type: 'password', autocomplete: 'new-password' },
  name: { label: 'Connection name (optional)', hint: 'Part of the webhook URL; default: the subdomain.', autocomplete: 'off' },
  public_url: { label: 'Public URL of this companion', hint: 'Where the instance sends its pushes.', type: 'url', autocomplete: 'url' },
};

export interface ConnectPageOptions {
  csrfToken: string;
  values: ConnectFormValues;
  errors: FieldErrors;
  /** Editing a stored connection: its secrets are kept unless new ones are typed. */
  editing: string | null;
  connections: ConnectionSummary[];
  results: CheckResult[];
  notRun: Array<{ id: string; title: string; reason: string }>;
  outcome: { ok: boolean; message: string } | null;
}

export function checkItem(result: CheckResult): Html {
  const target = fieldOfFailure(result);
  return html`<li class="check ${result.ok ? 'ok' : 'fail'}" data-check="${result.id}"${target ? html` data-field="${target}"` : ''}><span class="mark" aria-hidden="true">${result.ok ? '✔' : '✘'}</span> <span class="sr">${result.ok ? 'Passed:' : 'Failed:'}</span> ${result.message}</li>`;
}

export function connectBody(options: ConnectPageOptions): Html {
  const secretHint = (key: ConnectField) => (options.editing ? `${LABELS[key].hint} Stored: leave empty to keep it.` : LABELS[key].hint);
  const fields = CONNECT_FIELDS.map((key) =>
    field({
      name: key,
      label: LABELS[key].label,
      hint: key === 'client_secret' || key === 'password' ? secretHint(key) : LABELS[key].hint,
      ...(LABELS[key].type ? { type: LABELS[key].type } : {}),
      ...(LABELS[key].autocomplete ? { autocomplete: LABELS[key].autocomplete } : {}),
      // Secrets are never sent back to the browser.
      value: key === 'client_secret' || key === 'password' ? '' : (options.values[key] ?? ''),
      ...(options.errors[key] ? { error: options.errors[key] } : {}),
      required: key !== 'name' && key !== 'public_url' && !(options.editing && (key === 'client_secret' || key === 'password')),
    }),
  );
  return html`<p>Setup guide step 5: enter what steps 1 to 4 gave you. Connect verifies everything before it saves.</p>
${
  options.connections.length
    ? html`<section class="card"><h2>Stored connections</h2><ul class="plain">${options.connections.map(
        (c) => html`<li><a href="/connect?edit=${c.name}">${c.name}</a> · ${c.instanceUrl} · ${c.mode === 'realtime' ? 'real-time' : 'polling'} · <a href="/status/${c.name}">status</a></li>`,
      )}</ul></section>`
    : ''
}
<form method="post" action="/connect" id="connect-form" class="card" novalidate>
  ${csrfInput(options.csrfToken)}
  ${options.editing ? html`<input type="hidden" name="editing" value="${options.editing}"><p>Editing <strong>${options.editing}</strong>.</p>` : ''}
  ${fields}
  <button type="submit" id="connect-button">Connect</button>
</form>
<section class="card" aria-labelledby="checks-title">
  <h2 id="checks-title">Checks</h2>
  <ol id="checks" class="checks" aria-live="polite">${options.results.map(checkItem)}${options.notRun.map(
    (n) => html`<li class="check skipped" data-check="${n.id}"><span class="mark" aria-hidden="true">–</span> ${n.title}: ${n.reason}</li>`,
  )}</ol>
  <p id="connect-outcome" role="status" class="${options.outcome ? (options.outcome.ok ? 'outcome ok' : 'outcome fail') : 'outcome'}">${options.outcome?.message ?? ''}</p>
</section>`;
}

function count(record: Record<string, number>, key: string): number {
  return record[key] ?? 0;
}

function ms(value: number | null): string {
  if (value === null) return '…';
  return value < 1000 ? `${value} ms` : `${(value / 1000).toFixed(1)} s`;
}

/** A rate-limit pause as a person reads it: why writes wait, and when the next single probe goes out. */
export function rateLimitText(pause: StatusData['rateLimit'], now: Date): string {
  if (!pause) return 'none: writes to ServiceNow go out as they come';
  const asked = pause.retryAfterSeconds !== null ? `, Retry-After ${pause.retryAfterSeconds} s` : '';
  const probe = Math.max(0, Math.round((pause.nextProbeAt.getTime() - now.getTime()) / 1000));
  return `paused since ${ago(pause.since, now)} (${pause.hits} × 429${asked}); one write probes in ${probe} s, the backlog moves as soon as one passes`;
}

export function statusFragment(data: StatusData, csrfToken: string): Html {
  const { connection, now, app } = data;
  const health = app && 'health' in app ? app.health : null;
  const outbox = health?.outbox ?? {};
  const dead = count(outbox, 'dead');
  return html`<div class="grid">
<section class="card"><h2>Connection</h2>
<dl>
  <dt>Instance</dt><dd>${connection.instanceUrl}</dd>
  <dt>Mode</dt><dd id="mode">${connection.mode === 'realtime' ? 'real-time (the app pushes)' : 'polling'}</dd>
  <dt>Last push received</dt><dd id="last-push">${data.lastPush ? html`${data.lastPush.toISOString().replace('.000Z', 'Z')} (${ago(data.lastPush, now)})` : 'none yet'}</dd>
  <dt>Last test event</dt><dd id="last-ping">${data.lastPing ? html`${data.lastPing.receivedAt.toISOString().replace(/\.\d{3}Z$/, 'Z')} (${ago(data.lastPing.receivedAt, now)}), from ${data.lastPing.instance}` : 'none since the companion started'}</dd>
  <dt>Last check</dt><dd>${connection.lastCheck ? `${connection.lastCheck.status === 'ok' ? '✔' : '✘'} ${connection.lastCheck.summary} (${ago(connection.lastCheck.at, now)})` : 'never'}</dd>
</dl></section>
<section class="card"><h2>The app's outbox</h2>
${
  connection.mode !== 'realtime'
    ? html`<p>This connection polls; the app is not installed, so there is no outbox.</p>`
    : app && 'error' in app
      ? html`<p class="alert">The app's health could not be read: ${app.error}</p>`
      : html`<dl>
  <dt>Queued</dt><dd id="outbox-queued">${count(outbox, 'queued') + count(outbox, 'sending')}</dd>
  <dt>Failed, retrying</dt><dd>${count(outbox, 'failed')}</dd>
  <dt>Delivered</dt><dd>${count(outbox, 'delivered')}</dd>
  <dt>Dead</dt><dd id="outbox-dead">${dead}</dd>
  <dt>Oldest undelivered</dt><dd>${health?.oldest_pending_age_seconds == null ? 'none' : `${health.oldest_pending_age_seconds} s`}</dd>
  <dt>Last delivery</dt><dd>${health?.last_delivery ? `${health.last_delivery.state}, HTTP ${health.last_delivery.http_status} at ${health.last_delivery.at}` : 'none yet'}</dd>
</dl>
<form method="post" action="/status/${connection.name}/resend" class="inline">${csrfInput(csrfToken)}<button type="submit" id="resend"${dead === 0 ? new Html(' aria-describedby="resend-note"') : ''}>Resend dead events</button></form>
${dead === 0 ? html`<p class="hint" id="resend-note">No dead events now; resending asks the app to deliver again every event since the connection was made (the companion drops what it already has).</p>` : ''}`
}
</section>
<section class="card"><h2>The companion's queues</h2>
<dl>
  <dt>Inbound waiting</dt><dd id="inbound-pending">${count(data.inbound, 'pending') + count(data.inbound, 'processing')}</dd>
  <dt>Inbound failed</dt><dd>${count(data.inbound, 'failed')}</dd>
  <dt>Outbound waiting</dt><dd id="outbound-pending">${count(data.outbound, 'pending') + count(data.outbound, 'sending')}</dd>
  <dt>Outbound failed (dead)</dt><dd>${count(data.outbound, 'dead')}</dd>
  <dt>Rate limit</dt><dd id="rate-limit">${rateLimitText(data.rateLimit, now)}</dd>
  <dt>Workers</dt><dd>${data.workers.map((w) => `${w.name} ${w.running ? 'running' : 'stopped'}`).join(', ')}</dd>
</dl></section>
</div>
<section class="card"><h2>Latency, last hour</h2>${latencyChart(data.latency, now)}</section>
<section class="card"><h2>Recent sync activity</h2>
<div class="scroll"><table id="activity">
<thead><tr><th scope="col">When</th><th scope="col">Incident</th><th scope="col">Direction</th><th scope="col">Fields</th><th scope="col">Took</th><th scope="col">Outcome</th></tr></thead>
<tbody>${
    data.activity.length
      ? data.activity.map(
          (a) =>
            html`<tr><td>${ago(a.at, now)}</td><td>${a.incident}${a.number ? html` <span class="muted">${a.number}</span>` : ''}</td><td>${a.direction === 'inbound' ? 'ServiceNow → incident.io' : 'incident.io → ServiceNow'}</td><td>${a.what}</td><td>${ms(a.tookMs)}</td><td>${a.outcome}</td></tr>`,
        )
      : html`<tr><td colspan="6">Nothing synced yet.</td></tr>`
  }</tbody></table></div></section>`;
}

export function statusBody(data: StatusData, csrfToken: string, flash: string | null, doctor: CheckResult[] | null): Html {
  return html`${flash ? html`<p class="alert info" role="status">${flash}</p>` : ''}
<div id="live" data-live="/status/${data.connection.name}/fragment" aria-live="off">${statusFragment(data, csrfToken)}</div>
<section class="card"><h2>Doctor</h2>
<form method="post" action="/status/${data.connection.name}/doctor" class="inline">${csrfInput(csrfToken)}<button type="submit">Run doctor</button></form>
${doctor ? html`<ol class="checks" id="doctor">${doctor.map(checkItem)}</ol>` : html`<p class="hint">Runs connect's checks again without changing anything, plus the app's delivery health.</p>`}
</section>`;
}

export function statusIndexBody(connections: ConnectionSummary[]): Html {
  if (!connections.length) return html`<p>No connection yet: <a href="/connect">connect an instance</a>.</p>`;
  return html`<ul class="plain">${connections.map((c) => html`<li><a href="/status/${c.name}">${c.name}</a> · ${c.instanceUrl} · ${c.mode}</li>`)}</ul>`;
}

function syncState(incident: IncidentView): string {
  if (!incident.servicenow) return incident.connection ? 'creating in ServiceNow…' : 'not synced (no connection)';
  if (incident.servicenow.deleted) return 'deleted in ServiceNow';
  if (incident.sync.failed_writes) return `${incident.sync.failed_writes} failed write${incident.sync.failed_writes === 1 ? '' : 's'}`;
  if (incident.sync.pending_writes) return `${incident.sync.pending_writes} pending`;
  return 'in sync';
}

export function incidentsFragment(incidents: IncidentView[], csrfToken: string): Html {
  if (!incidents.length) return html`<p>No incidents yet. Declare one above.</p>`;
  return html`${incidents.map(
    (incident) => html`<article class="card incident" data-incident="${incident.reference}">
  <h2>${incident.reference}: ${incident.name}</h2>
  <p class="meta"><span class="badge">${incident.status}</span> <span class="badge">${incident.severity}</span>
  ServiceNow: ${incident.servicenow ? (incident.servicenow.url ? html`<a href="${incident.servicenow.url}" class="sn-number">${incident.servicenow.number}</a>` : incident.servicenow.number) : '—'}
  · sync: <span class="sync-state">${syncState(incident)}</span></p>
  ${incident.summary ? html`<p>${incident.summary}</p>` : ''}
  <details><summary>Timeline (${incident.updates?.length ?? 0})</summary>
  <ol class="timeline">${(incident.updates ?? []).map(
    (u) => html`<li><time datetime="${u.occurred_at}">${u.occurred_at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time> <span class="muted">${u.source}${u.author ? ` · ${u.author}` : ''}</span><br>${u.message}</li>`,
  )}</ol></details>
  <form method="post" action="/incidents/${incident.id}/updates" class="update-form">
    ${csrfInput(csrfToken)}
    <label for="u-${incident.id}">Add an update</label>
    <div class="row"><input id="u-${incident.id}" name="message" type="text" required maxlength="4000"><button type="submit">Post update</button></div>
  </form>
</article>`,
  )}`;
}

export function incidentsBody(incidents: IncidentView[], csrfToken: string, errors: Record<string, string>, values: Record<string, string>): Html {
  const select = (name: string, label: string, options: readonly string[], value: string) => html`<div class="field">
  <label for="f-${name}">${label}</label>
  <select id="f-${name}" name="${name}">${options.map((o) => html`<option value="${o}"${o === value ? new Html(' selected') : ''}>${o}</option>`)}</select>
</div>`;
  return html`<form method="post" action="/incidents" class="card" novalidate>
  <h2>Declare an incident</h2>
  ${csrfInput(csrfToken)}
  ${field({ name: 'name', label: 'Name', value: values.name ?? '', required: true, ...(errors.name ? { error: errors.name } : {}), hint: 'Becomes the short description in ServiceNow.' })}
  ${field({ name: 'summary', label: 'Summary', value: values.summary ?? '', ...(errors.summary ? { error: errors.summary } : {}) })}
  <div class="row">${select('severity', 'Severity', INCIDENT_SEVERITIES, values.severity ?? 'minor')}${select('status', 'Status', INCIDENT_STATUSES, values.status ?? 'triage')}</div>
  <button type="submit">Declare</button>
</form>
<div id="live" data-live="/incidents/fragment" aria-live="off">${incidentsFragment(incidents, csrfToken)}</div>`;
}
