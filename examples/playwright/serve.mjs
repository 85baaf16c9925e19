// The tiny app's static server: app/ as files, and /config.js, which tells the page where
// its API is (API_BASE), as a deployed app reads it from its environment.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const port = Number(process.env.PORT ?? 5173);
const apiBase = process.env.API_BASE ?? 'http://localhost:5001/api/v1';
const root = fileURLToPath(new URL('app/', import.meta.url));
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

createServer(async (req, res) => {
  const path = new URL(req.url, 'http://app').pathname;
  if (path === '/config.js') {
    res.writeHead(200, { 'Content-Type': types['.js'], 'Cache-Control': 'no-store' });
    res.end(`window.APP_CONFIG = ${JSON.stringify({ apiBase })};\n`);
    return;
  }
  const file = path === '/' ? 'index.html' : path.slice(1);
  if (!/^[a-z]+\.(html|js)$/.test(file)) {
    res.writeHead(404).end('not found\n');
    return;
  }
  try {
    const body = await readFile(join(root, file));
    res.writeHead(200, { 'Content-Type': types[extname(file)] }).end(body);
  } catch {
    res.writeHead(404).end('not found\n');
  }
}).listen(port, '127.0.0.1', () => console.log(`tiny app on http://127.0.0.1:${port}/ (API ${apiBase})`));
