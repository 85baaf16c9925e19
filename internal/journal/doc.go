// Package journal keeps the last events of a server in a bounded ring and serves them as a
// JSON list or a Server-Sent Events stream: the mock's GET /__mock/events and the proxy's
// share it, so the console reads both alike. It knows nothing of what an event holds.
package journal
