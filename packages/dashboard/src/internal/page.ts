import { createHash } from 'node:crypto';
import { CLIENT_SCRIPT } from './client-script.js';
import { body, escapeHtml } from './markup.js';
import { STYLE } from './style.js';

// built from src/client/*.ts by scripts/build-client.mjs
const SCRIPT = CLIENT_SCRIPT;

const sha256 = (text: string): string =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * Admits exactly the page's own script and style (by hash) and any stream URL, and nothing
 * else: no other script, no font, no image but inline SVG, no form posting anywhere.
 */
export const CONTENT_SECURITY_POLICY: string = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  'img-src data:',
  'connect-src *',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** The whole page: markup, style and script in one document. */
export function renderPage(title: string, streamUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body data-stream="${escapeHtml(streamUrl)}">
${body(title, streamUrl)}
<script>${SCRIPT}</script>
</body>
</html>
`;
}
