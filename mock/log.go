package mock

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/appmaker/refresh-conformance/internal/redact"
)

// statusWriter remembers the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flush, hijack, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type loggerFunc func(r *http.Request, w *statusWriter, d time.Duration)

// requestLogger writes one line per request. It logs no query, header or body, and
// redacts anything shaped like a JWT in the method and path, where a careless client may
// put its token too: no token reaches the log.
func requestLogger(l *slog.Logger) loggerFunc {
	return func(r *http.Request, w *statusWriter, d time.Duration) {
		if !l.Enabled(r.Context(), slog.LevelInfo) {
			return
		}
		attrs := []slog.Attr{
			slog.String("method", redact.JWTs(r.Method)),
			slog.String("path", redact.JWTs(r.URL.Path)),
			slog.Int("status", w.status),
			slog.Duration("duration", d),
		}
		if code := w.Header().Get(HeaderError); code != "" {
			attrs = append(attrs, slog.String("code", code))
		}
		l.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
	}
}
