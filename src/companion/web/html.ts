/**
 * Server-rendered HTML: a tagged template that escapes every interpolated value unless it is
 * already Html (so user data can never become markup), and the page layout.
 */

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

type Part = Html | string | number | null | undefined | false | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return (part as readonly Part[]).map(render).join('');
  return escapeHtml(part);
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new Html(out);
}

export interface LayoutOptions {
  title: string;
  /** The signed-in user, for the header; null on the sign-in page. */
  user: string | null;
  csrfToken?: string;
  /** Which navigation entry is current. */
  current?: 'connect' | 'status' | 'incidents';
  body: Html;
}

export function layout(options: LayoutOptions): string {
  const nav = (key: LayoutOptions['current'], href: string, label: string) =>
    html`<li><a href="${href}"${options.current === key ? new Html(' aria-current="page"') : ''}>${label}</a></li>`;
  return (
    '<!doctype html>\n' +
    html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.csrfToken ? html`<meta name="csrf-token" content="${options.csrfToken}">` : ''}
<title>${options.title} · incident.io ↔ ServiceNow</title>
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <span class="brand">incident.io ↔ ServiceNow</span>
  ${
    options.user
      ? html`<nav aria-label="Main"><ul>${nav('connect', '/connect', 'Connect')}${nav('status', '/status', 'Status')}${nav('incidents', '/incidents', 'Incidents')}</ul></nav>
  <form method="post" action="/logout" class="signout"><input type="hidden" name="_csrf" value="${options.csrfToken ?? ''}"><span class="who">${options.user}</span> <button type="submit">Sign out</button></form>`
      : ''
  }
</header>
<main id="main">
<h1>${options.title}</h1>
${options.body}
</main>
</body>
</html>
`.text
  );
}

/** "42 s ago", "3 min ago", "2 h ago". */
export function ago(then: Date | null | undefined, now: Date): string {
  if (!then) return 'never';
  const seconds = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}
